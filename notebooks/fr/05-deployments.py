# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Les Deployments
#
# Le notebook 04 s'est terminé sur un constat qui donne à réfléchir : un pod
# que vous supprimez reste supprimé, et personne ne veille sur lui. En
# pratique, vous ne créez presque jamais de pods vous-même. Vous déclarez un
# **Deployment**, « je veux trois copies de ce pod, avec cette image », et une
# chaîne de contrôleurs réalise cet état, puis le maintient : ils remplacent
# les pods perdus, ajoutent ou retirent des pods quand vous changez leur
# nombre, et remplacent chaque pod par une nouvelle version sans interrompre
# le service. Ce notebook montre chacun de ces mouvements, avec des graphiques
# de ce qui se passe seconde par seconde, et se termine par une sonde (probe)
# qui redémarre une application bloquée.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Lire un Deployment : réplicas, sélecteur et modèle de pod (template).
# 2. Suivre la chaîne de propriétaires Deployment ➜ ReplicaSet ➜ pods.
# 3. Regarder le Deployment se réparer tout seul quand on supprime des pods.
# 4. Le mettre à l'échelle avec un curseur puis avec un manifeste, et voir
#    lequel des deux l'emporte.
# 5. Déployer une nouvelle version de l'image sans interruption, lire
#    l'historique des rollouts, et faire un retour arrière (rollback).
# 6. Comprendre pourquoi un rollout ne se termine jamais, et le corriger.
# 7. Laisser une liveness probe redémarrer une application qui ne répond plus.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [04 · Les pods](04-pods.ipynb) | Nécessaire | Manifestes de pods, labels, phases, demandes et limites (requests/limits) |
# | [02 · L'API et l'architecture](02-api-and-architecture.ipynb) | Utile | Les contrôleurs et leurs boucles de réconciliation |
# | [03 · Les namespaces](03-namespaces.ipynb) | Utile | Chaque notebook travaille dans son propre namespace |
#
# **Temps d'apprentissage** : 40 minutes
#
# Ce notebook n'a besoin de rien de ce qui précède, sinon d'un namespace
# vide, que la cellule de mise en place ci-dessous crée (à neuf, à chaque
# exécution). Il crée le Deployment `web`, devant lequel le notebook 06
# placera un Service.

# %% [markdown]
# ## Paramètres
#
# Le namespace, le temps d'attente accordé au cluster, et le délai laissé à
# la liveness probe pour agir (environ 15 s sur un vrai nœud).

# %% tags=["parameters"]
import os  # namespace : le vôtre sur un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb05-deployments")
timeout = 60
liveness_wait = 60

# %% [markdown]
# ## Mise en place
#
# En plus de la bibliothèque, ce notebook utilise deux de ses compagnons :
# `plots` dessine ce que le cluster a fait au fil du temps, et `widgets` vous
# donne un curseur et un tableau en direct pour expérimenter.

# %% tags=["setup"]

import time

import k8slab as lab
from k8slab import plots, widgets

lab.setup(namespace)

# %% [markdown]
# Quel moteur fait tourner ce lab ? Avec le moteur **host** (et sur kind ou
# minikube), les pods ci-dessous sont de vrais conteneurs : nginx sert
# vraiment des pages, Redis se bloque vraiment et est vraiment redémarré.
# Avec le moteur **kwok**, le plan de contrôle (control plane) est tout aussi
# réel (le même API server, les mêmes contrôleurs, le même scheduler
# (ordonnanceur)), mais les nœuds sont simulés : aucun conteneur ne tourne,
# et kwok joue ce qu'un kubelet rapporterait. Chaque cellule qui en dépend
# vous dit ce que vous avez vu.

# %%
info = lab.status()
engine = info["engine"]   # "workshop" quand vous utilisez le kubeconfig d'un atelier
real_containers = not any(node["simulated"] for node in info["nodes"])
print(f"engine: {engine} ·",
      "real containers" if real_containers else "simulated nodes (kwok): no container runs")

# %% [markdown]
# ## Un Deployment, ligne par ligne

# %%
lab.manifest("manifests/05-deployments-web.yaml")

# %% [markdown]
# Trois parties de la `spec` comptent :
#
# - `replicas` : combien de pods identiques doivent exister, à tout moment.
# - `selector` : comment le Deployment reconnaît *ses* pods, grâce à leurs
#   labels, ici `app=web`. Les labels sont la colle de Kubernetes ; les
#   Services du notebook 06 s'en servent de la même façon.
# - `template` : le pod à créer chaque fois qu'il en manque un. C'est le pod
#   du notebook 04, sans nom (le contrôleur nomme chaque copie), et ses
#   labels doivent correspondre au sélecteur, sinon l'API server refuse le
#   Deployment.
#
# L'image, `k8slab.local/web:1.0`, est nginx 1.22.1 de Debian, empaqueté par
# k8slab en un petit serveur web non privilégié sur le port 8080 ; sa page
# affiche « web 1.0 », et `/hello` répond avec le nom du pod qui a servi la
# requête. Le template comporte aussi une **readiness probe** (sonde de
# disponibilité) : le kubelet interroge `/healthz` toutes les 2 s, et le pod
# ne compte comme *prêt* (ready) qu'une fois qu'il répond. Sans elle, « prêt »
# voudrait seulement dire « le conteneur a démarré », ce qui ne dit rien de
# la capacité de nginx à servir des pages.
#
# Appliquez-le, et attendez la fin du **rollout** : jusqu'à ce que les trois
# pods soient disponibles.

# %%
lab.apply("manifests/05-deployments-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Deployment", namespace)

# %%
lab.record("ready_replicas", lab.get("Deployment", "web", namespace)["status"]["readyReplicas"])

# %% [markdown]
# ## Qui possède qui
#
# Vous avez créé un seul objet ; le namespace en contient maintenant cinq. Le
# Deployment n'a pas créé les pods lui-même : il a créé un **ReplicaSet**,
# dont le seul travail est de maintenir en vie un certain nombre de pods
# identiques, et c'est le ReplicaSet qui a créé les pods.

# %%
lab.table("ReplicaSet", namespace)

# %%
lab.table("Pod", namespace)

# %% [markdown]
# La colonne `owner` vient du champ `metadata.ownerReferences` de chaque
# objet. Remontons la chaîne, d'un pod jusqu'au sommet :

# %%
pod = lab.list("Pod", namespace, labels={"app": "web"})[0]
print("labels:", pod["metadata"]["labels"])
print("ownerReferences:", pod["metadata"]["ownerReferences"])

# %%
chain, obj, kind = [], pod, "Pod"
while obj is not None:
    chain.append(f"{kind}/{obj['metadata']['name']}")
    refs = obj["metadata"].get("ownerReferences") or []
    kind = refs[0]["kind"] if refs else None
    obj = lab.get(kind, refs[0]["name"], namespace) if refs else None
print("  ➜ owned by  ".join(chain))
lab.record("owner_kinds", [link.split("/")[0] for link in chain])

# %% [markdown]
# Deux détails méritent votre attention :
#
# - Les pods portent un label supplémentaire, `pod-template-hash`, une
#   empreinte du template. Le ReplicaSet sélectionne ses pods avec ce label,
#   pour que deux versions du template (pendant une mise à jour) ne comptent
#   jamais les pods l'une de l'autre.
# - La référence indique `controller: true` : c'est ce propriétaire qui est
#   aux commandes. Quand un propriétaire est supprimé, le **ramasse-miettes
#   (garbage collector)** supprime ce qu'il possède : supprimez le
#   Deployment, et ses ReplicaSets et ses pods disparaissent avec lui.
#
# `plots.owner_tree` dessine toute la famille :

# %%
plots.owner_tree("Deployment", "web", namespace)

# %% [markdown]
# ## L'auto-réparation
#
# Voici maintenant le contraste avec le notebook 04. D'abord, un tableau des
# pods en direct : il se met à jour tout seul en arrière-plan pendant que vous
# exécutez les cellules suivantes (dans JupyterLab ; une copie enregistrée
# montre son état au moment où elle a été créée).

# %%
pods_view = widgets.live_pods(namespace, labels="app=web")

# %% [markdown]
# Supprimons deux des trois pods, pendant qu'un `ReplicaRecorder` suit les
# compteurs du Deployment grâce à un watch. `mark` inscrit une note sur sa
# ligne de temps.

# %%
before = sorted(lab.table("Pod", namespace, labels="app=web")["name"])
recorder = plots.ReplicaRecorder("web", namespace).start()
recorder.mark("2 pods deleted")
for victim in before[:2]:
    lab.delete("Pod", victim, namespace)

# %% [markdown]
# Le contrôleur de ReplicaSet voit qu'il ne reste qu'un pod là où trois sont
# demandés, et en crée aussitôt deux nouveaux. `lab.wait` accepte aussi une
# fonction de l'objet qu'il suit, qui renvoie `(done, message)` : ici,
# « terminé » veut dire que deux pods qui n'existaient pas avant sont en
# cours d'exécution.

# %%
def healed(deployment: dict) -> tuple[bool, str]:
    pods = lab.table("Pod", namespace, labels="app=web")
    new = pods[~pods["name"].isin(before) & (pods["phase"] == "Running")]
    return len(new) >= 2, f"{len(new)} of 2 replacement pods running"


lab.wait("Deployment", "web", namespace, until=healed, timeout=timeout)
print("healed:", healed({})[1])

# %% [markdown]
# Une fois que les compteurs du Deployment ont rattrapé leur retard, arrêtez
# l'enregistreur et tracez ce qui s'est passé :

# %%
recorder.wait_for(ready=3, pods=3, timeout=timeout)
recorder.stop()
recorder.plot(title="Self-healing: 2 of 3 pods deleted")

# %% [markdown]
# Lisez le graphique de gauche à droite : au repère, `ready` tombe à un,
# `pods` (les pods qui existent et ne sont pas en cours de suppression)
# remonte à trois presque immédiatement, puis `ready` remonte à son tour au
# fur et à mesure que les nouveaux pods démarrent. `desired` n'a jamais
# bougé : personne n'a changé ce que vous aviez demandé, alors les
# contrôleurs l'ont rétabli.
#
# Un nœud qui tombe en panne est plus long à réparer. Le plan de contrôle le
# marque d'abord comme injoignable (après environ 50 s sans nouvelles, le
# `--node-monitor-grace-period` du controller manager), puis
# laisse ses pods épuiser leur `tolerationSeconds` pour le taint
# `node.kubernetes.io/unreachable`, **300 s** par défaut, avant de les
# évincer ; ce n'est qu'alors que le ReplicaSet crée des remplaçants
# ailleurs. (Les pods d'un StatefulSet, au notebook 07, ne sont pas remplacés
# du tout tant que personne n'a confirmé la disparition du nœud, en
# supprimant le nœud ou en forçant la suppression des pods : deux pods de
# même identité ne doivent jamais tourner en même temps.)

# %%
replacements = [name for name in recorder.pods_seen if name not in before]
print("new pods:", replacements)
lab.record("replacements", len(replacements))
lab.record("healing_min_ready", min(s["ready"] for s in recorder.samples))
pods_view.frame()

# %% [markdown]
# ## La mise à l'échelle
#
# Changer le nombre de copies, c'est changer `spec.replicas`. Le curseur
# ci-dessous y est relié : le déplacer fait ce que fait `kubectl scale`, et
# l'étiquette à côté suit le nombre de pods prêts.

# %%
slider = widgets.replica_slider("web", namespace, max=8)

# %% [markdown]
# Placez-le sur 5 et regardez le tableau en direct ci-dessus s'agrandir.
# Quand ce notebook s'exécute sans surveillance, personne ne bouge le
# curseur : la cellule suivante fait exactement ce que fait un déplacement à
# 5, puis attend la fin du rollout.

# %%
slider.set(5)
scaled = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("replicas_after_slider", scaled["status"]["readyReplicas"])
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# Que changerait maintenant l'application du manifeste ? `kubectl diff`
# demande à l'API server de le calculer (à blanc, en dry run : rien ne
# change) et montre la différence entre l'objet en place et le fichier,
# comme `diff -u` : `-` pour ce qui existe, `+` pour ce que le fichier en
# ferait. kubectl se termine avec le code de retour 1 quand il trouve une
# différence, ce que `%kubectl` signalerait comme une erreur ; l'option
# `--expect-fail` (propre au `%kubectl` de ce notebook) indique que c'est
# bien ce que nous attendons.

# %%
# %kubectl --expect-fail diff -f manifests/05-deployments-web.yaml -n {namespace}

# %% [markdown]
# Appliquez maintenant de nouveau le manifeste, le fichier qui dit
# `replicas: 3` :

# %%
lab.apply("manifests/05-deployments-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("replicas_after_apply", lab.get("Deployment", "web", namespace)["spec"]["replicas"])

# %% [markdown]
# Retour à trois. Le curseur (comme `kubectl scale`) est un changement
# **impératif** : « fais ceci maintenant ». Le manifeste est **déclaratif** :
# « voici comment les choses doivent être ». Appliquer le manifeste rétablit
# ce qu'il déclare, si bien qu'un changement impératif ne dure que jusqu'à la
# prochaine application. Quand vos manifestes vivent dans Git (notebook 13),
# c'est le fichier qui fait foi : pour changer l'échelle durablement,
# modifiez le fichier.
#
# ### Exercice 1 : passer web à 4 réplicas, de façon déclarative
#
# Passez `web` à 4 réplicas en appliquant un manifeste qui le dit : dans la
# cellule vide ci-dessous, écrivez une première ligne
# `%%kubectl apply -n {namespace} -f -`, collez dessous le manifeste affiché
# plus haut, changez une ligne, et exécutez la cellule (ou modifiez une copie
# du fichier et appliquez-la avec `%kubectl apply -f`). `%kubectl diff` vous
# montre d'abord ce que vous allez changer. Le curseur, ou `kubectl scale`,
# changerait lui aussi le nombre de pods, mais de façon impérative, et la
# vérification sait faire la différence : l'API server note, dans le champ
# `metadata.managedFields` de chaque objet, quel client a fixé chaque champ,
# et comment. `kubectl apply` (gestionnaire `kubectl-client-side-apply`) ou
# un apply côté serveur (opération `Apply`) sont déclaratifs ; `kubectl scale`
# et le curseur sont des `Update` impératifs. Attendez la fin du rollout
# (`%kubectl rollout status deployment/web -n {namespace}`), puis exécutez la
# vérification (identifiant de l'exercice : `05.scale`). La solution est
# cachée dans la cellule qui suit la vérification.

# %%
# Votre YAML ici, sous une première ligne : %%kubectl apply -n {namespace} -f -

# %%
lab.check("05.scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 4                  # la seule ligne qui a changé : 3 -> 4
  selector:
    matchLabels:
      app: web                 # « mes pods sont ceux qui portent app=web »
  template:                    # le pod à créer, sans nom propre
    metadata:
      labels:
        app: web               # doit correspondre au sélecteur ci-dessus
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        ports:
        - name: http
          containerPort: 8080
        readinessProbe:            # « prêt » veut dire : répond sur /healthz, pas seulement « démarré »
          httpGet:
            path: /healthz
            port: http
          periodSeconds: 2
        resources:
          requests:
            cpu: 50m
            memory: 32Mi
          limits:
            cpu: 250m
            memory: 64Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout status deployment/web -n {namespace} --timeout=60s

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("05.scale", namespace)

# %% [markdown]
# Avant la section suivante, revenons aux trois réplicas du manifeste :

# %%
lab.apply("manifests/05-deployments-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Deployment", namespace)

# %% [markdown]
# ## Mise à jour progressive (rolling update) : une nouvelle version sans interruption
#
# Une nouvelle version d'une application, c'est une nouvelle image. Le
# fichier `manifests/05-deployments-web-v2.yaml` contient le même Deployment,
# avec l'image `k8slab.local/web:2.0` au lieu de `web:1.0`. D'abord, quelle
# version répond aujourd'hui ? `lab.http_get` envoie une requête à un pod du
# Deployment, à travers l'API server (comme le fait `kubectl port-forward`) :

# %%
before_update = lab.http_get("deployment/web", 8080, "/hello", namespace)
print(before_update.body.strip() if not before_update.simulated
      else "kwok: a simulated answer (no nginx runs), " + before_update.headers["server"])
lab.record("hello_before_update", before_update.body.strip())
lab.record("hello_simulated", before_update.simulated)

# %% [markdown]
# Modifier le template du pod déclenche un **rolling update** : le Deployment
# crée un second ReplicaSet pour le nouveau template et fait passer les pods
# de l'ancien au nouveau, quelques-uns à la fois. Nous l'enregistrons :

# %%
recorder = plots.ReplicaRecorder("web", namespace).start()
recorder.mark("apply web 2.0")
lab.apply("manifests/05-deployments-web-v2.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
recorder.stop()
recorder.plot(title="Rolling update from web 1.0 to web 2.0")

# %% [markdown]
# La vitesse de l'opération est fixée par la `strategy` du Deployment ; nous
# avons gardé les valeurs par défaut, `maxSurge: 25%` et
# `maxUnavailable: 25%`. Pour 3 réplicas, cela veut dire au plus un pod
# *au-dessus* de 3 (25 % de 3, arrondi au supérieur) et aucun en dessous
# (arrondi à l'inférieur) : le Deployment démarre un nouveau pod, attend
# qu'il soit disponible, retire un ancien pod, et recommence. `available` ne
# descend jamais sous trois.
#
# « Disponible » (available) veut dire prêt (depuis `minReadySeconds`, ici
# 0), et prêt veut dire ce que dit la readiness probe : un nouveau pod ne
# prend sa part du travail qu'une fois qu'il répond sur `/healthz`. C'est ce
# qui permet de servir les utilisateurs sans interruption. Sans readiness
# probe, un pod est prêt dès que son conteneur a démarré, et une application
# lente à démarrer recevrait du trafic, et compterait comme disponible, avant
# de pouvoir répondre. (kwok n'exécute aucune sonde : ses pods sont prêts dès
# qu'ils « démarrent », sauf si leur sonde demande une page que l'image web
# n'a pas, ce que kwok imite.) Le notebook 06 présente des pods qui tournent
# mais ne deviennent jamais prêts, et ce que cela fait à leur Service.

# %%
during = recorder.samples
lab.record("rollout_min_available", min(s["available"] for s in during))
lab.record("rollout_max_pods", max(s["pods"] for s in during))
print("available went down to", min(s["available"] for s in during),
      "· pods went up to", max(s["pods"] for s in during))

# %% [markdown]
# Et voici la réponse à présent :

# %%
after_update = lab.http_get("deployment/web", 8080, "/hello", namespace)
print(after_update.body.strip() if not after_update.simulated
      else "kwok: a simulated answer again; the image name is all that changed")
lab.record("hello_after_update", after_update.body.strip())

# %% [markdown]
# ### L'historique des rollouts
#
# L'ancien ReplicaSet n'a pas été supprimé : il a été ramené à zéro pod, et
# conservé, avec son template, comme historique. Chaque ReplicaSet porte
# l'annotation `deployment.kubernetes.io/revision`, affichée dans la colonne
# `revision` ; le Deployment porte le numéro de sa révision courante.

# %%
history = lab.table("ReplicaSet", namespace)
first_rs = history[history["images"].str.endswith(":1.0")]["name"].iloc[0]
print("revision:", lab.get("Deployment", "web", namespace)["metadata"]["annotations"])
history

# %%
lab.record("revisions", dict(zip(history["images"], history["revision"], strict=True)))

# %% [markdown]
# `kubectl rollout history` liste les mêmes révisions (le nombre d'anciens
# ReplicaSets conservés est fixé par le `revisionHistoryLimit` du
# Deployment, 10 par défaut), et `kubectl rollout status` attend qu'un
# rollout soit terminé, ou dit ce qu'il attend :

# %%
# %kubectl rollout history deployment/web -n {namespace}

# %%
# %kubectl rollout status deployment/web -n {namespace} --timeout=60s

# %% [markdown]
# (Ajouter `--revision=1` à `rollout history` affiche le template de pod de
# cette révision.)
#
# ### Le retour arrière (rollback)
#
# La version 2.0 se révèle défectueuse ; vous voulez retrouver la 1.0, et
# vite. Un retour arrière n'est qu'un rolling update de plus, vers le
# template précédent. Trois façons d'y arriver :
#
# 1. **Réappliquer le manifeste précédent** (`05-deployments-web.yaml`).
#    C'est la manière déclarative, celle à préférer quand vos manifestes
#    vivent dans Git : annulez le commit (revert), appliquez.
# 2. Changer seulement l'image : `kubectl set image deployment/web
#    nginx=k8slab.local/web:1.0`.
# 3. Laisser Kubernetes retrouver le template précédent dans l'historique :
#    `kubectl rollout undo deployment/web` (ou `--to-revision=1`). La
#    commande recopie le template de l'ancien ReplicaSet dans le Deployment.
#    C'est rapide, mais votre fichier manifeste dit toujours 2.0 : la
#    prochaine application annule l'annulation.
#
# Quelle que soit la méthode, le Deployment remarque que le template
# correspond à un ReplicaSet existant (même `pod-template-hash`) et remonte
# *celui-là* au lieu d'en créer un nouveau. Le numéro de révision passe à 3.
#
# ### Exercice 2 : revenir à web 1.0
#
# Ramenez `web` à `k8slab.local/web:1.0` et attendez que le rollout soit
# terminé (l'une des trois méthodes, au choix ; la solution utilise
# `kubectl rollout undo`, puis `kubectl rollout status`). Exécutez ensuite la
# vérification (identifiant de l'exercice : `05.rollback`). La solution est
# cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("05.rollback", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout undo deployment/web -n {namespace}

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout status deployment/web -n {namespace} --timeout=60s

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("05.rollback", namespace)

# %% [markdown]
# L'historique après le retour arrière : le premier ReplicaSet est de nouveau
# en service, sous un nouveau numéro de révision.

# %%
after = lab.table("ReplicaSet", namespace)
serving = after[after["desired"] > 0].iloc[0]
print(f"serving: {serving['name']} (revision {serving['revision']}); first one was {first_rs}")
lab.record("serving_rs_is_first", bool(serving["name"] == first_rs))
lab.record("serving_revision", serving["revision"])
after

# %%
after_rollback = lab.http_get("deployment/web", 8080, "/hello", namespace)
print(after_rollback.body.strip() if not after_rollback.simulated
      else "kwok: a simulated answer")
lab.record("hello_after_rollback", after_rollback.body.strip())

# %% [markdown]
# ## Un rollout qui ne se termine jamais
#
# Un collègue a préparé de nouveau web 2.0, avec de nouveaux réglages de
# ressources, et l'a appliqué. Son terminal attend toujours sur
# `kubectl rollout status`. Appliquons le même fichier, sans attendre la fin
# du rollout cette fois, et regardons :

# %%
lab.apply("manifests/05-deployments-web-greedy.yaml", namespace)


def unscheduled_pods() -> list[dict]:
    """The web pods the scheduler could not place (PodScheduled is False)."""
    return [p for p in lab.list("Pod", namespace, labels={"app": "web"})
            if any(c["type"] == "PodScheduled" and c["status"] == "False"
                   for c in p["status"].get("conditions") or [])]


deadline = time.monotonic() + timeout
while not unscheduled_pods():  # le scheduler répond en moins d'une seconde
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("No pod became unschedulable.",
                              "Look at lab.table('Pod', namespace).")
    time.sleep(0.5)
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# Un nouveau pod est `Pending`, et le reste ; les trois pods web 1.0 tournent
# toujours et servent les requêtes (avec `maxUnavailable` à 0, le Deployment
# ne retire aucun ancien pod tant qu'un nouveau n'est pas disponible : un
# rollout raté ne fait donc pas tomber le service). Le rollout n'échoue pas
# bruyamment : il n'avance simplement plus. Au bout de
# `progressDeadlineSeconds` (600 s par défaut), la condition `Progressing` du
# Deployment passe à `False` avec la raison `ProgressDeadlineExceeded`, et
# `kubectl rollout status` abandonne ; rien n'est annulé automatiquement. Que
# dit le Deployment, et que disent les événements du pod en attente ?

# %%
stuck_pod = unscheduled_pods()[0]["metadata"]["name"]
print(lab.diagnose("Deployment", "web", namespace))
stuck_events = lab.events(namespace, object_name=stuck_pod)
lab.record("stuck_reasons", sorted(set(stuck_events["reason"])))
stuck_events

# %% [markdown]
# ### Exercice 3 : terminer le rollout
#
# Lisez le message `FailedScheduling` : le scheduler y explique, nœud par
# nœud, pourquoi le pod ne tient nulle part. Comparez les `resources` du pod
# dans `lab.manifest("manifests/05-deployments-web-greedy.yaml")` avec celles
# des manifestes précédents, corrigez le YAML (sous forme de texte, comme à
# l'exercice 1) et appliquez-le ; le Deployment remplace le pod en attente
# par un pod issu du template corrigé. Attendez la fin du rollout, puis
# exécutez la vérification (identifiant de l'exercice : `05.unstuck`).
# (`kubectl rollout undo deployment/web` débloquerait aussi le service, en
# revenant à web 1.0, mais votre collègue veut la 2.0.) La solution est
# cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("05.unstuck", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/05-deployments-web-greedy-fixed.yaml"))
lab.apply("manifests/05-deployments-web-greedy-fixed.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.check("05.unstuck", namespace)

# %% [markdown]
# Le scheduler est le même vrai kube-scheduler quel que soit le moteur, et il
# compare les demandes (requests) aux ressources allouables de chaque nœud,
# pas à ce qui est réellement utilisé : une demande qu'aucun nœud ne peut
# satisfaire laisse le pod `Pending` pour toujours, sur les nœuds simulés de
# kwok comme sur de vrais nœuds.

# %%
final = lab.get("Deployment", "web", namespace)
lab.record("unstuck_image", final["spec"]["template"]["spec"]["containers"][0]["image"])
lab.record("unstuck_pending", len(unscheduled_pods()))
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# ## Casser et réparer : un pod qui plante en boucle
#
# Un autre grand classique : la commande d'un conteneur contient une faute de
# frappe. Ce Deployment fait tourner un petit programme de fond (worker) sur
# BusyBox, dont la commande devrait être `sleep 3600` (en guise de vrai
# travail), mais qui dit `slep` :

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["slep", "3600"]
        resources:
          requests:
            cpu: 10m
            memory: 16Mi

# %% [markdown]
# L'image est bien récupérée, mais elle ne contient aucun programme appelé
# `slep` : le runtime de conteneurs ne peut pas démarrer le conteneur (raison
# `StartError`, code de sortie 128). Le kubelet réessaie, en attendant un peu
# plus longtemps à chaque fois (10 s, 20 s, 40 s... jusqu'à cinq minutes) :
# cette attente, c'est **CrashLoopBackOff**. Il se passe la même chose pour
# un programme qui démarre puis se termine en erreur ; seuls le code de
# sortie et le log diffèrent. (Sur kwok, KWOK joue la scène à partir de la
# seule commande : un programme absent de BusyBox échoue comme il le ferait
# sur un vrai nœud, et les messages disent « simulated by kwok ».) La
# cellule suivante attend cet état :

# %%
def crash_looping(pod: dict) -> tuple[bool, str]:
    """Done once the container waits in CrashLoopBackOff."""
    status = ((pod.get("status") or {}).get("containerStatuses") or [{}])[0]
    reason = ((status.get("state") or {}).get("waiting") or {}).get("reason", "")
    return reason == "CrashLoopBackOff", reason or "starting"


lab.wait("Deployment", "worker", namespace, timeout=timeout,   # son ReplicaSet a créé un pod
         until=lambda d: ((d.get("status") or {}).get("replicas", 0) >= 1, "creating a pod"))
worker_pod = lab.list("Pod", namespace, labels={"app": "worker"})[0]["metadata"]["name"]
crashing = lab.wait("Pod", worker_pod, namespace, until=crash_looping, timeout=max(timeout, 120))
worker_status = crashing["status"]["containerStatuses"][0]
worker_last = (worker_status.get("lastState") or {}).get("terminated") or {}
print("waiting:", worker_status["state"]["waiting"]["reason"], "· last exit code:",
      worker_last.get("exitCode"), worker_last.get("reason"))
lab.record("worker_waiting_reason", worker_status["state"]["waiting"]["reason"])
lab.record("worker_last_exit_code", worker_last.get("exitCode"))

# %% [markdown]
# Le rollout ne peut pas se terminer : `rollout status` abandonne au bout de
# son délai (et se termine en erreur, ce que cette cellule attend) :

# %%
# %kubectl --expect-fail rollout status deployment/worker -n {namespace} --timeout=5s

# %% [markdown]
# Cherchez pourquoi, comme le ferait un administrateur système : les colonnes
# `STATUS` et `RESTARTS`, puis `describe` (regardez `Last State` : sa
# `Reason`, son `Exit Code` et son `Message`), puis les événements (Events) :

# %%
# %kubectl get pods -n {namespace} -l app=worker

# %%
# %kubectl describe pods -n {namespace} -l app=worker

# %%
# %kubectl events -n {namespace} --for pod/{worker_pod}

# %% [markdown]
# ### Exercice 4 : corriger la commande
#
# La cellule ci-dessous contient le même Deployment. Corrigez la commande et
# exécutez la cellule : le nouveau template de pod déclenche un rollout, dont
# le nouveau pod tourne, et le pod qui plantait est retiré. Attendez la fin
# (`%kubectl rollout status deployment/worker -n {namespace}`), puis exécutez
# la vérification (identifiant de l'exercice : `05.fix-crash`). Indice :
# `describe` a cité le programme qu'il ne trouvait pas.

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["slep", "3600"]     # <- corrigez cette ligne
        resources:
          requests:
            cpu: 10m
            memory: 16Mi

# %%
lab.check("05.fix-crash", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["sleep", "3600"]    # « sleep », pas « slep »
        resources:
          requests:
            cpu: 10m
            memory: 16Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout status deployment/worker -n {namespace} --timeout=120s

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("05.fix-crash", namespace)

# %% [markdown]
# ## Une liveness probe redémarre une application bloquée
#
# Une histoire que vous avez peut-être vécue. Un collègue lance une requête
# monstrueuse sur la base de données de l'équipe ; la base se fige. Elle
# « tourne » toujours (le processus existe), mais elle ne répond plus à
# personne. Le collègue vous envoie un message : « tu pourrais redémarrer la
# base ? ». Une demi-heure plus tard, nouvelle requête géante, nouveau
# message. Vous voilà devenu le bouton de redémarrage.
#
# Avec Kubernetes, vous décrivez une fois pour toutes comment distinguer une
# application saine d'une application bloquée, et c'est le kubelet du nœud
# qui se charge des redémarrages. Cette description est une **liveness
# probe** (sonde de vivacité) : une requête HTTP, une connexion TCP ou une
# commande que le kubelet exécute régulièrement dans chaque conteneur. Quand
# elle échoue plusieurs fois de suite, le kubelet arrête le conteneur et le
# redémarre, dans le même pod. Notre base de données est Redis 7.0 (de
# Debian, empaqueté par k8slab) ; sa sonde exécute `redis-cli ping` dans le
# conteneur :

# %%
lab.manifest("manifests/05-deployments-db.yaml")

# %%
lab.apply("manifests/05-deployments-db.yaml", namespace)
lab.wait("Deployment", "db", namespace, timeout=timeout)
db_pod = lab.list("Pod", namespace, labels={"app": "db"})[0]["metadata"]["name"]

# %% [markdown]
# Voici maintenant la requête monstrueuse. `DEBUG SLEEP 60` oblige Redis à ne
# rien faire du tout pendant une minute, comme une énorme requête occupe une
# base de données mono-thread : tous les autres clients, y compris le
# `redis-cli ping` de la sonde, attendent une réponse qui ne vient pas. Nous
# l'envoyons depuis l'intérieur du pod, en arrière-plan, avec `lab.exec`
# (`kubectl exec`).
#
# Avec le moteur kwok, aucun Redis ne tourne, il n'y a donc rien à figer :
# l'annotation `k8slab.io/simulate: stuck` du manifeste demande à kwok de
# jouer la scène à la place. Quelques secondes après le démarrage du pod, sa
# sonde « échoue », kwok enregistre l'événement `Unhealthy` comme le ferait
# un kubelet, et compte un redémarrage. (Partout ailleurs, cette annotation
# n'a aucun effet.)

# %%
if real_containers:
    print(lab.exec(f"pod/{db_pod}", "redis-cli ping", namespace).strip(), "- healthy, before")
    lab.exec(f"pod/{db_pod}", "redis-cli DEBUG SLEEP 60 >/dev/null 2>&1 &", namespace)
    print("DEBUG SLEEP 60 sent: Redis answers nobody for a minute")
else:
    print("kwok: no Redis to freeze; kwok plays the hang a few seconds after the start")

# %% [markdown]
# Observons le pod de la base de données jusqu'à ce que son conteneur soit
# redémarré (environ 3 sondes ratées × 3 s, plus le temps de l'arrêt) :

# %%
restarts, last_state = 0, {}
for change, obj in lab.watch("Pod", namespace, name=db_pod, timeout=liveness_wait):
    status = (obj["status"].get("containerStatuses") or [{}])[0]
    restarts, last_state = status.get("restartCount", 0), status.get("lastState") or {}
    print(f"{change:9} ready={status.get('ready')} restartCount={restarts}")
    if restarts:
        break
previous = last_state.get("terminated") or {}
print(f"{db_pod}: {restarts} restart(s); previous container: "
      f"exit code {previous.get('exitCode')}, reason {previous.get('reason')}")

# %% [markdown]
# Le pod est le même, avec le même nom et la même adresse ; seul son
# conteneur est neuf, et `restartCount` (la colonne `restarts`) tient le
# compte. C'est différent de l'auto-réparation vue plus haut, où le
# ReplicaSet remplaçait des pods entiers.
#
# Comment le conteneur a-t-il été arrêté ? Le kubelet ne tue pas d'emblée :
# il envoie **SIGTERM**, attend au plus le `terminationGracePeriodSeconds` du
# pod (10 s dans notre manifeste, 30 s par défaut), et n'envoie **SIGKILL**
# qu'ensuite. Le code de sortie du conteneur précédent dit lequel des deux
# y a mis fin :
#
# - **0** (raison `Completed`) : le processus s'est arrêté de lui-même sur
#   SIGTERM. C'est le cas de Redis : le signal interrompt son `DEBUG SLEEP`,
#   et il s'arrête proprement. (kwok imite cette réponse.)
# - **137** = 128 + 9 (raison `Error`) : le processus était toujours là à la
#   fin du délai de grâce, et SIGKILL (le signal 9) l'a terminé. C'est ce que
#   vous voyez avec une application qui ignore SIGTERM ou qui est trop
#   bloquée pour le traiter ; un shell ou `sleep` lancé comme premier
#   processus du conteneur (PID 1) ignore lui aussi SIGTERM, ce qui explique
#   qu'un long délai de grâce puisse rendre ces pods lents à s'arrêter.

# %% [markdown]
# Qu'a écrit le conteneur précédent avant de s'arrêter ? `kubectl logs`
# montre le conteneur actuel ; `--previous` celui d'avant le dernier
# redémarrage : c'est le premier endroit où regarder après un plantage (sur
# un vrai nœud, le log de Redis lui-même, qui se termine par son arrêt sur
# SIGTERM ; sur kwok, une ligne simulée qui le dit) :

# %%
# %kubectl logs {db_pod} -n {namespace} --previous --tail=5

# %%
lab.record("db_restarts", restarts)
lab.record("db_last_exit_code", previous.get("exitCode"))
lab.record("db_last_reason", previous.get("reason"))
lab.table("Pod", namespace, labels="app=db")

# %% [markdown]
# Les événements racontent l'histoire : l'avertissement `Unhealthy` du
# kubelet (sur kwok, celui de kwok), et sur un vrai nœud sa notification
# `Killing`, « failed liveness probe, will be restarted ».

# %%
events = lab.events(namespace, object_name=db_pod)
lab.record("db_unhealthy_events", int((events["reason"] == "Unhealthy").sum()))
lab.record("db_unhealthy_messages", sorted(set(events[events["reason"] == "Unhealthy"]["message"])))
lab.record("db_killing_events", int((events["reason"] == "Killing").sum()))
events

# %% [markdown]
# Et la base de données répond de nouveau : un nouveau conteneur, un Redis
# tout neuf (ses données, conservées nulle part, sont perdues ; le
# notebook 09 donne à une base de données un volume qui survit).

# %%
if real_containers:
    lab.wait("Pod", db_pod, namespace, timeout=timeout, until=lambda p: (
        all(s.get("ready") for s in p["status"].get("containerStatuses") or [{}]),
        "waiting for the new container to be ready"))
    pong = lab.exec(f"pod/{db_pod}", "redis-cli ping", namespace).strip()
else:
    pong = "(kwok: no Redis to ask)"
print(pong)
lab.record("db_ping_after_restart", pong)

# %% [markdown]
# La liveness probe a deux sœurs, qu'il vaut mieux connaître dès le départ :
#
# - une **readiness probe** décide si un pod reçoit le trafic d'un Service
#   (notebook 06). Un pod qui l'échoue n'est pas redémarré : il est seulement
#   retiré du Service jusqu'à ce qu'il se rétablisse ;
# - une **startup probe** (sonde de démarrage) retient les deux autres pendant
#   qu'une application lente démarre, pour qu'elle ne soit pas tuée avant
#   d'avoir eu une chance de répondre.
#
# Soyez prudent avec les liveness probes : une sonde qui échoue quand
# l'application est simplement occupée aggrave les choses, en redémarrant une
# base de données au beau milieu de son travail. Sondez quelque chose de peu
# coûteux, et prévoyez des délais généreux : notre délai de 1 s et notre
# seuil de 3 × 3 s sont faits pour le lab ; en production, pensez plutôt
# 5 s, 10 s et 3 à 6 échecs, et une startup probe pour les démarrages lents.

# %% [markdown]
# ## Résumé
#
# - Un **Deployment** déclare des réplicas, un sélecteur de labels et un
#   template de pod ; il gère un **ReplicaSet**, qui gère les **pods**. Chaque
#   objet nomme son propriétaire dans `ownerReferences`, et supprimer un
#   propriétaire supprime ce qu'il possède.
# - Supprimez des pods, et le ReplicaSet les remplace en quelques secondes :
#   l'**auto-réparation**, c'est un contrôleur qui compare ce qui existe avec
#   ce que vous avez demandé.
# - Mettre à l'échelle, c'est changer `spec.replicas` ; une mise à l'échelle
#   impérative ne dure que jusqu'à la prochaine application du manifeste.
# - Modifier le template déploie un nouveau ReplicaSet, pod par pod, sans
#   descendre sous le nombre de pods disponibles ; une **readiness probe**
#   décide quand un nouveau pod compte comme disponible. Les anciens
#   ReplicaSets forment l'**historique des rollouts**, et un retour arrière
#   réactive l'un d'eux.
# - Une **liveness probe** permet au kubelet de redémarrer un conteneur qui
#   ne répond plus : SIGTERM d'abord, SIGKILL (code de sortie 137) seulement
#   si le processus est encore là après le délai de grâce ; les événements
#   `Unhealthy` et `Killing` et le compteur de redémarrages en gardent la
#   trace.
# - `kubectl diff` montre ce qu'une application changerait ; `kubectl apply`
#   est déclaratif, `kubectl scale` impératif, et `managedFields` enregistre
#   lequel des deux a servi. `kubectl rollout status`, `history` et `undo`
#   suivent et annulent les rollouts.
# - Une commande mal tapée laisse le pod en **CrashLoopBackOff** : `describe`
#   montre la raison et le code de sortie du dernier état, `logs --previous`
#   les dernières paroles du conteneur précédent, et corriger le template
#   déploie un pod qui fonctionne.
#
# ## Et ensuite ?
#
# Les pods `web` vont et viennent désormais, chaque fois avec un nouveau nom
# et une nouvelle adresse. [06 · Les Services](06-services.ipynb) leur donne
# un nom et une adresse stables.
#
# ## Nettoyage
#
# Arrêtez les vues en direct, puis supprimez le namespace de ce notebook et
# tout ce qu'il contient.

# %%
pods_view.stop()
slider.stop()

# %%
lab.cleanup(namespace)
