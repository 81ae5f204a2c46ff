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
# # 11 · Étendre Kubernetes
#
# Pods, Deployments, Services, Ingress : jusqu'ici, vous avez utilisé les
# sortes d'objets livrées avec Kubernetes. Mais l'API est ouverte. Vous pouvez
# lui apprendre une nouvelle sorte d'objet, disons un `Website`, avec une
# **CustomResourceDefinition** (CRD), et donner un sens à cet objet en
# écrivant un **contrôleur** : un programme qui surveille les Websites et crée
# ce qu'ils demandent. Réunissez les deux et vous obtenez un **opérateur**, la
# façon dont on fait tourner aujourd'hui sur Kubernetes les bases de données,
# les piles de supervision et les moteurs de recherche. Dans ce notebook, vous
# faites tout cela, et le contrôleur se résume à quelques fonctions Python
# exécutées par **kopf**, le framework d'opérateurs en Python utilisé en
# production.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Définir une nouvelle sorte d'objet, `Website`, avec une CRD et un schéma de validation.
# 2. Créer, lire et lister des objets personnalisés avec les mêmes appels que pour les sortes intégrées.
# 3. Voir le serveur d'API rejeter un objet invalide (HTTP 422), et le corriger.
# 4. Écrire le handler de réconciliation d'un opérateur kopf : pour chaque
#    Website, un Deployment et un Service, et l'avancement dans le `status` du Website.
# 5. Lancer l'opérateur, lire sa chronologie, le voir réparer les dégâts,
#    puis l'arrêter et constater que plus rien ne se répare.
# 6. Comprendre le modèle de l'opérateur, et savoir où trouver des opérateurs.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [02 · L'API et l'architecture](02-api-and-architecture.ipynb) | Nécessaire | Le serveur d'API, les contrôleurs et la boucle de réconciliation |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Le contrôleur crée des Deployments |
# | [06 · Les Services](06-services.ipynb) | Utile | ... et des Services |
# | Fonctions et dictionnaires Python | Utile | Le handler que vous écrivez est une fonction Python |
#
# **Temps d'apprentissage** : 50 minutes
#
# Rien des notebooks précédents n'est nécessaire dans le cluster : la mise en
# place ci-dessous crée un namespace (espace de noms) tout neuf et installe la
# CRD.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre sur un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb11-extending")
timeout = 60                    # secondes laissées à l'opérateur pour converger

# %% [markdown]
# ## Mise en place
#
# `lab.setup` recrée le namespace et applique
# `manifests/11-extending-crd.yaml`, la définition de la sorte `Website`.
# Contrairement à tout le reste de ce cours, une CRD est **globale au
# cluster** : elle n'a pas de namespace, et tous les namespaces (tous les
# participants d'un cluster partagé) voient la même. L'appliquer de nouveau
# quand elle existe déjà ne change rien : vous pouvez donc relancer cette
# cellule sans risque.

# %% tags=["setup"]
import time

import kopf
import yaml

import k8slab as lab
from k8slab import crds, operators

lab.setup(namespace, "manifests/11-extending-crd.yaml")
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "the Websites' pods will be real nginx containers"
      if real_containers else "kwok simulates the pods: no container runs")

# %% [markdown]
# ## Un nouveau mot pour l'API : la CustomResourceDefinition
#
# Le cœur de `manifests/11-extending-crd.yaml` :
#
# ```yaml
# apiVersion: apiextensions.k8s.io/v1
# kind: CustomResourceDefinition
# metadata:
#   name: websites.k8slab.io          # <pluriel>.<groupe>
# spec:
#   group: k8slab.io
#   scope: Namespaced
#   names: {kind: Website, plural: websites, singular: website, shortNames: [ws]}
#   versions:
#   - name: v1alpha1
#     served: true
#     storage: true
#     subresources:
#       status: {}                    # status s'écrit à part de spec
#     schema:
#       openAPIV3Schema: ...          # les champs et leurs règles
# ```
#
# Le **groupe** (`k8slab.io`, un nom de domaine qui vous appartient) sépare vos
# sortes d'objets de celles de tous les autres ; la **version** permet à la
# sorte d'évoluer (`v1alpha1`, puis `v1beta1`, `v1`). Le **schéma** liste les
# champs de `spec` et leurs règles. Une fois la définition vérifiée, le serveur
# d'API marque la CRD `Established` et commence à servir la nouvelle sorte :

# %%
crd = lab.wait("CustomResourceDefinition", crds.WEBSITE_CRD, until="condition=Established")
lab.record("crd_kind", crd["spec"]["names"]["kind"])
crds.schema_frame(crd)

# %% [markdown]
# Une nouvelle URL existe désormais sur le serveur d'API,
# `/apis/k8slab.io/v1alpha1/namespaces/<namespace>/websites`, et tous les
# clients peuvent s'en servir : `kubectl get websites` (ou `kubectl get ws`),
# le client Python, et `lab.*`. Rien à installer côté client.

# %%
lab.record("websites_at_start", len(lab.list("Website", namespace)))
lab.list("Website", namespace)

# %% [markdown]
# ## Les objets personnalisés
#
# `manifests/11-extending-website-home.yaml` décrit un premier Website :
#
# ```yaml
# apiVersion: k8slab.io/v1alpha1
# kind: Website
# metadata:
#   name: home
# spec:
#   image: k8slab.local/web:1.0
#   replicas: 1
# ```
#
# `lab.apply` le traite exactement comme une sorte intégrée :

# %%
lab.apply("manifests/11-extending-website-home.yaml", namespace)
home = lab.get("Website", "home", namespace)
lab.record("home_spec", home["spec"])
home["spec"]

# %% [markdown]
# L'objet stocké a un `port: 8080` que vous n'avez pas écrit : le schéma
# déclare une valeur par défaut, et le serveur d'API l'a remplie. Maintenant,
# qu'a *fait* la création d'un Website ?

# %%
lab.record("deployments_before_controller", len(lab.list("Deployment", namespace)))
lab.table("Website", namespace)

# %% [markdown]
# Rien. Le serveur d'API a stocké l'objet, sans phase et sans Deployment ;
# personne n'agit dessus. Une CRD vous offre gratuitement le stockage, une
# API, la validation et le contrôle d'accès, mais aucun comportement. Le
# comportement, c'est le travail du contrôleur, et vous allez bientôt
# l'écrire.

# %% [markdown]
# ## La validation : le serveur d'API dit non
#
# Le schéma s'applique à chaque écriture.
# `manifests/11-extending-website-shop-invalid.yaml` demande 20 réplicas (le
# schéma en autorise de 1 à 10) sur le port 80 (le schéma veut 1024 ou plus).
#
# Pourquoi 1024 ? Ce n'est pas qu'un processus non root ne puisse jamais
# écouter sur le port 80 : les ports en dessous de 1024 ne sont « privilégiés »
# que tant que le paramètre du noyau `net.ipv4.ip_unprivileged_port_start` le
# dit, et ce paramètre se règle par namespace réseau, donc par pod.
# containerd 2 (l'environnement d'exécution de kind) et Docker le
# mettent à `0` dans chaque pod, et le moteur host de ce lab aussi
# (`enable_unprivileged_ports` de containerd) : là, n'importe quel utilisateur
# d'un pod peut ouvrir le port 80. Un pod peut aussi le demander lui-même
# (`securityContext.sysctls`, un sysctl dit « sûr »). containerd 1.x et
# CRI-O par défaut (CRI-O ne le règle que si ses `default_sysctls` le
# demandent), et certains clusters durcis, gardent l'ancienne règle. L'image web
# du cours fait de toute façon tourner nginx sous un utilisateur non
# privilégié (uid 101), parce que ne pas être root est ce qui protège le nœud
# si quelqu'un s'introduit dans le conteneur (c'est aussi ce qu'exige le Pod
# Security Standard « restricted »), et elle écoute sur 8080, ce qui
# fonctionne avec tous les environnements d'exécution, quoi que dise le
# sysctl. Le Service propose toujours le port 80 aux clients. Le schéma du
# Website en fait la règle de cette sorte d'objet. Regardez le serveur d'API
# le refuser :

# %%
try:
    lab.apply("manifests/11-extending-website-shop-invalid.yaml", namespace)
    rejected = None
except lab.ApiError as err:
    rejected = err
lab.record("rejected_status", rejected.status if rejected else None)
rejected

# %% [markdown]
# HTTP **422 Unprocessable Entity** : la requête était bien formée, mais
# l'objet enfreint les règles, et le message nomme chaque champ fautif.
# L'objet n'a pas été stocké du tout. La validation a lieu *avant* que quoi
# que ce soit n'atteigne etcd, si bien qu'un contrôleur ne voit jamais un
# Website impossible.

# %%
lab.record("shop_stored", lab.exists("Website", "shop", namespace))

# %% [markdown]
# ### Exercice 1 : un Website que le serveur d'API accepte
#
# Créez le Website `shop` avec 2 réplicas : partez du manifeste invalide (son
# texte est plus haut), corrigez les deux champs, et appliquez-le avec
# `lab.apply` (un dict ou une chaîne YAML conviennent tous deux). Lancez
# ensuite la vérification (identifiant de l'exercice : `11.shop`). La solution
# est cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("11.shop", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/11-extending-website-shop.yaml"))
lab.apply("manifests/11-extending-website-shop.yaml", namespace)
lab.check("11.shop", namespace)

# %% [markdown]
# Si vous avez sauté l'exercice, la cellule suivante crée `shop` pour vous (à
# partir de `manifests/11-extending-website-shop.yaml`), pour que la suite du
# notebook fonctionne ; si le vôtre existe, elle n'y touche pas.

# %%
if not lab.exists("Website", "shop", namespace):
    lab.apply("manifests/11-extending-website-shop.yaml", namespace)
lab.table("Website", namespace)

# %% [markdown]
# ## Un opérateur en Python, avec kopf
#
# Un contrôleur est une boucle. Il **surveille** (watch) des objets ; pour
# chacun de ceux qui ont changé, il appelle une fonction de **réconciliation**
# (reconcile), qui compare ce que demande l'objet avec ce qui existe, et
# corrige l'écart ; puis il écrit ce qu'il a constaté dans le **status** de
# l'objet. La boucle elle-même (les watches, une file d'attente par objet, les
# nouvelles tentatives avec un délai croissant, la mémoire de ce qui a déjà
# été traité) est la même pour tous les contrôleurs, alors personne ne l'écrit
# deux fois : les opérateurs en Go utilisent **controller-runtime**
# (Kubebuilder, l'Operator SDK), ceux en Python
# [**kopf**](https://kopf.readthedocs.io/). Vous écrivez des *handlers* (des
# gestionnaires), de simples fonctions que kopf appelle quand quelque chose se
# produit :
#
# | décorateur | kopf appelle la fonction quand... |
# | --- | --- |
# | `@kopf.on.create(group, version, plural)` | un objet apparaît |
# | `@kopf.on.update(..., field="spec")` | sa `spec` change (pas son status, pas ses métadonnées) |
# | `@kopf.on.resume(...)` | l'opérateur démarre et trouve l'objet déjà là |
# | `@kopf.on.event(...)` | il arrive quoi que ce soit à un objet d'une sorte, la nôtre ou une autre |
#
# Chaque handler reçoit des arguments nommés : `body` (l'objet entier),
# `spec`, `name`, `namespace`, `labels`, et un `logger` dont kopf rattache les
# messages à cet objet (et qu'il publie aussi sous forme d'événements
# Kubernetes).
#
# Voici le plan de l'opérateur des Websites. Une seule fonction,
# `reconcile(site, logger)`, fait tout le travail pour un Website, quelle que
# soit la raison de son réveil :
#
# 1. construire le **Deployment** et le **Service** que demande le Website,
#    en YAML rempli à partir de sa `spec` (`image`, `replicas`, `port`), avec
#    des pods portant le label `k8slab.io/website: <name>` et sélectionnés par
#    ce label ;
# 2. passer chacun à `kopf.adopt(obj, owner=site)` : il les place dans le
#    namespace du Website, ajoute une **ownerReference** qui pointe vers le
#    Website (et recopie les labels du Website, s'il en a) ; puis
#    `operators.apply(obj, logger)` (un server-side apply, qui journalise ce
#    qu'il a créé ou modifié) ;
# 3. relire le Deployment (`operators.read("Deployment", name, namespace)`) et
#    écrire le status du Website par la **sous-ressource status**, une URL à
#    part (`.../websites/home/status`), avec
#    `operators.set_status(site, status, logger)` : `phase` `Ready` quand tous
#    les réplicas voulus sont prêts et à jour, sinon `Progressing` ; et aussi
#    `replicas` (voulus) et `readyReplicas`.
#
# `reconcile` est appelée encore et encore pour le même Website : elle doit
# donc être *idempotente* : appliquer un objet inchangé ne change rien, et
# `set_status` ne réécrit pas un status déjà juste.

# %% [markdown]
# ### Exercice 2 : écrire le handler de réconciliation
#
# Complétez `reconcile` dans la cellule suivante, en suivant les trois étapes
# ci-dessus. Regardez `manifests/05-deployments-web.yaml` et
# `manifests/06-services-frontend.yaml` si vous voulez partir d'un Deployment
# et d'un Service existants : ici, le Service propose le port 80 et l'envoie
# vers le port du conteneur nommé `http`. Exécutez la cellule, puis les deux
# cellules qui la suivent (les handlers kopf, et le démarrage de l'opérateur),
# puis la vérification (identifiant de l'exercice : `11.operator`) : elle
# regarde ce que l'opérateur a fait dans le cluster, pour `home` et `shop`. À
# chaque modification de `reconcile`, relancez ces cellules. `op.timeline()`
# (plus bas) montre ce qu'a fait votre handler, et `op.problems()` les erreurs
# qu'il a levées. La solution est cachée après la vérification.

# %%
def reconcile(site: dict, logger) -> None:
    """Make the cluster match one Website: its Deployment, its Service, its status."""
    name, namespace, spec = site["metadata"]["name"], site["metadata"]["namespace"], site["spec"]
    # 1. deployment = yaml.safe_load(f"""...""") et service = ..., à partir de spec
    # 2. pour chacun : kopf.adopt(obj, owner=site) ; operators.apply(obj, logger)
    # 3. relire le Deployment, puis operators.set_status(site, {...}, logger)
    logger.info(f"reconcile is not written yet: nothing done for {name} in {namespace}, "
                f"which asks for {spec['replicas']} x {spec['image']}")

# %% [markdown]
# Viennent ensuite les handlers, qui disent *quand* kopf appelle `reconcile` :
# quand un Website apparaît, quand sa `spec` change, et, pour ceux qui sont
# déjà là, quand l'opérateur démarre. kopf n'a pas d'équivalent du « owns » de
# controller-runtime : un quatrième handler surveille donc les Deployments qui
# portent le label `k8slab.io/website` et réconcilie leur Website chaque fois
# que l'un d'eux change ou disparaît. C'est ainsi que l'opérateur voit les
# pods devenir prêts, et qu'il répare.

# %%
WEBSITES = ("k8slab.io", "v1alpha1", "websites")


@kopf.on.resume(*WEBSITES, backoff=2)   # backoff : relancer un handler en échec après 2 s, pas 60
@kopf.on.create(*WEBSITES, backoff=2)
@kopf.on.update(*WEBSITES, field="spec", backoff=2)
def website_changed(body, logger, **_):
    reconcile(body, logger)


@kopf.on.event("apps", "v1", "deployments", labels={"k8slab.io/website": kopf.PRESENT})
def deployment_changed(labels, namespace, logger, **_):
    site = operators.read("Website", labels["k8slab.io/website"], namespace)
    if site is not None and not site["metadata"].get("deletionTimestamp"):
        reconcile(site, logger)

# %% [markdown]
# Démarrez l'opérateur. `operators.start` lance kopf (`kopf.operator`, ce que
# lance la commande `kopf run`) dans un thread d'arrière-plan du noyau de ce
# notebook, en ne surveillant que ce namespace, en mode *standalone* (un seul
# opérateur, donc pas d'objets de peering pour se mettre d'accord sur qui
# travaille), connecté avec le kubeconfig du lab. Un vrai opérateur fait
# tourner le même code comme programme principal d'un pod. Relancer cette
# cellule le redémarre avec les handlers tels qu'ils sont à ce moment-là.

# %%
op = operators.start(namespace)

# %%
lab.check("11.operator", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
def reconcile(site: dict, logger) -> None:  # noqa: F811 (la solution remplace votre version)
    """Make the cluster match one Website: its Deployment, its Service, its status."""
    name, namespace, spec = (site["metadata"]["name"], site["metadata"]["namespace"],
                             site["spec"])
    deployment = yaml.safe_load(f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    k8slab.io/website: {name}
spec:
  replicas: {spec['replicas']}
  selector:
    matchLabels:
      k8slab.io/website: {name}
  template:
    metadata:
      labels:
        k8slab.io/website: {name}
    spec:
      containers:
      - name: web
        image: {spec['image']}
        ports:
        - name: http
          containerPort: {spec['port']}
        resources:
          requests:
            cpu: 50m
            memory: 32Mi
""")
    service = yaml.safe_load(f"""
apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
    k8slab.io/website: {name}
spec:
  selector:
    k8slab.io/website: {name}
  ports:
  - name: http
    port: 80
    targetPort: http
""")
    for obj in (deployment, service):
        kopf.adopt(obj, owner=site)
        operators.apply(obj, logger)
    current = operators.read("Deployment", name, namespace) or {}
    counts = current.get("status") or {}
    want = spec["replicas"]
    done = counts.get("readyReplicas", 0) == want and counts.get("updatedReplicas", 0) == want
    operators.set_status(site, {"phase": "Ready" if done else "Progressing",
                                "replicas": want,
                                "readyReplicas": counts.get("readyReplicas", 0)}, logger)

op = operators.start(namespace)
for site in ("home", "shop"):
    lab.wait("Website", site, namespace, until=crds.status_matches(phase="Ready"),
             timeout=timeout)
lab.check("11.operator", namespace)

# %% [markdown]
# Les Websites créés *avant* le démarrage de l'opérateur ont été traités en
# premier (le handler `resume`) : un contrôleur lit l'état du monde, pas une
# liste d'événements passés. Attendez que les deux soient Ready :

# %%
for site in ("home", "shop"):
    lab.wait("Website", site, namespace, until=crds.status_matches(phase="Ready"),
             timeout=timeout)
websites = lab.list("Website", namespace)
lab.record("phases", {w["metadata"]["name"]: w["status"]["phase"] for w in websites})
lab.table("Deployment", namespace)

# %% [markdown]
# `Ready`, c'est ce qu'a écrit votre handler. Le site répond-il ? Demandez
# `/hello` au Service `home` en passant par le serveur d'API (le
# `lab.http_get` du notebook 06) :

# %%
hello = lab.http_get("service/home", 80, "/hello", namespace)
lab.record("home_hello", {"status": hello.status, "simulated": hello.simulated,
                          "body": hello.body.strip()})
print(hello.status, "· simulated:", hello.simulated)
print(hello.body)

# %% [markdown]
# Avec de vrais conteneurs (le moteur host, kind, minikube), la réponse vient
# du nginx d'un pod créé par le Deployment de l'opérateur : elle nomme ce pod.
# Sur kwok, la réponse est simulée, et elle le dit : les objets sont tous
# réels, le conteneur ne l'est pas.

# %% [markdown]
# ## Ce qu'a fait l'opérateur : sa chronologie
#
# Chaque message de kopf et de votre handler au sujet d'un objet est conservé
# dans `op.timeline()` : quand (en secondes depuis le démarrage de
# l'opérateur), à propos de quel objet, dans quel handler, et quoi.
# `operators.apply` et `operators.set_status` ne journalisent que ce qu'ils ont
# modifié.

# %%
timeline = op.timeline()
lab.record("timeline_messages", list(timeline["message"]))
timeline

# %% [markdown]
# Lisez-la depuis le haut : `website_changed` a tourné pour chaque Website (la
# ligne de kopf « Resuming is processed » ou « Creation is processed » dit
# pourquoi), a créé son Deployment et son Service et a écrit la phase
# `Progressing` ; ensuite, chaque changement du status d'un Deployment (des
# pods qui deviennent prêts) a lancé `deployment_changed`, jusqu'à ce que votre
# handler écrive `Ready`. kopf a aussi publié ces messages comme événements du
# Website, que `kubectl describe website home` affiche :

# %%
events = lab.events(namespace, object_name="home")
events = events[events["object"] == "website/home"].reset_index(drop=True)
lab.record("website_events", len(events))
events

# %% [markdown]
# kopf garde en mémoire ce qu'il a traité dans une annotation du Website,
# `kopf.zalando.org/last-handled-configuration` (c'est ainsi qu'après un
# redémarrage il distingue une spec modifiée d'une spec inchangée). Et le
# Deployment enregistre qui est son propriétaire :

# %%
home = lab.get("Website", "home", namespace)
lab.record("kopf_annotation", "kopf.zalando.org/last-handled-configuration"
           in (home["metadata"].get("annotations") or {}))
owners = lab.get("Deployment", "home", namespace)["metadata"]["ownerReferences"]
lab.record("home_owner", {"kind": owners[0]["kind"], "name": owners[0]["name"]})
owners

# %% [markdown]
# ## L'autoréparation
#
# Un opérateur ne se contente pas de créer : il maintient les choses telles
# qu'elles ont été demandées. Supprimez le Deployment de `home`, comme le
# ferait un collègue maladroit :

# %%
old_uid = lab.get("Deployment", "home", namespace)["metadata"]["uid"]
lab.delete("Deployment", "home", namespace)
new = lab.wait("Deployment", "home", namespace,
               until=lambda d: (d["metadata"]["uid"] != old_uid, "a new Deployment"),
               timeout=timeout)
lab.wait("Website", "home", namespace, until=crds.status_matches(phase="Ready"),
         timeout=timeout)
lab.record("healed", new["metadata"]["uid"] != old_uid)

# %% [markdown]
# Un nouveau Deployment (un nouvel `uid`) est apparu en moins d'une seconde :
# kopf a signalé à `deployment_changed` que le Deployment avait été supprimé, et
# votre `reconcile` l'a appliqué de nouveau. Changer à la main le nombre de
# réplicas du Deployment ne tient pas non plus : le Website dit 1 réplica, et
# l'apply de l'opérateur impose de nouveau ses propres champs.

# %%
lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "home"},
           "spec": {"replicas": 4}}, namespace)
back = lab.wait("Deployment", "home", namespace,
                until=lambda d: (d["spec"]["replicas"] == 1, f"{d['spec']['replicas']} replicas"),
                timeout=timeout)
lab.record("replicas_after_hand_scale", back["spec"]["replicas"])
op.timeline(last=6)

# %% [markdown]
# ### Exercice 3 : mettre à l'échelle par l'objet personnalisé
#
# La bonne façon de mettre un Website à l'échelle, c'est de modifier le
# Website. Faites tourner **3** réplicas à `home` en l'appliquant
# de nouveau avec `spec.replicas: 3` (gardez son image), puis attendez que son
# status indique `Ready` avec 3 réplicas prêts
# (`crds.status_matches(phase="Ready", readyReplicas=3)` est une condition pour
# `lab.wait`). Lancez la vérification (identifiant de l'exercice :
# `11.scale`). La solution est cachée après elle.

# %%
# Votre code ici

# %%
lab.check("11.scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
home = """
apiVersion: k8slab.io/v1alpha1
kind: Website
metadata:
  name: home
spec:
  image: k8slab.local/web:1.0
  replicas: 3
"""
print(home)
lab.apply(home, namespace)
lab.wait("Website", "home", namespace, timeout=timeout,
         until=crds.status_matches(phase="Ready", readyReplicas=3))
lab.check("11.scale", namespace)

# %% [markdown]
# Cette fois, kopf a appelé `website_changed` par son handler `update`
# (`website_changed/spec`) : la spec du Website a changé.

# %%
op.timeline(last=5)

# %% [markdown]
# ## Supprimer un Website
#
# L'opérateur ne supprime jamais rien. Quand un Website disparaît, le
# ramasse-miettes (garbage collector) du cluster (qui fait partie de
# `kube-controller-manager`) supprime tous les objets dont une ownerReference
# pointe vers lui : ici le Deployment et le Service, puis, en cascade, le
# ReplicaSet et les pods. (Un opérateur qui doit faire du nettoyage *hors* du
# cluster, par exemple un enregistrement DNS, ajoute un handler
# `@kopf.on.delete` ; kopf pose alors un **finalizer** sur l'objet, pour que le
# serveur d'API attende le handler avant de le supprimer.)

# %%
lab.delete("Website", "shop", namespace)
lab.wait("Deployment", "shop", namespace, until="deleted", timeout=timeout)
lab.wait("Service", "shop", namespace, until="deleted", timeout=timeout)
lab.record("shop_children_left", [o["metadata"]["name"] for kind in ("Deployment", "Service")
                                  for o in lab.list(kind, namespace)
                                  if o["metadata"]["name"] == "shop"])

# %% [markdown]
# ## Arrêter l'opérateur
#
# Notre opérateur vit dans le noyau de ce notebook. Arrêtez-le, et supprimez
# encore une fois le Deployment de `home` :

# %%
op.stop()
lab.record("operator_running_after_stop", op.running)
lab.delete("Deployment", "home", namespace, wait=True)
time.sleep(3)
lab.record("recreated_after_stop", lab.exists("Deployment", "home", namespace))
lab.table("Website", namespace)

# %% [markdown]
# Cette fois, rien ne revient, et le Website prétend toujours être `Ready` :
# son status n'est pas plus frais que le dernier contrôleur qui l'a écrit. Le
# serveur d'API stocke des souhaits ; les contrôleurs les réalisent. Les
# sortes d'objets propres à Kubernetes fonctionnent de la même façon. Leurs
# contrôleurs tournent simplement en permanence, dans
# `kube-controller-manager`. Un vrai opérateur tourne de la même manière :
# kopf comme programme principal d'un Deployment du cluster
# (`kopf run operator.py`), sous un ServiceAccount dont les rôles RBAC lui
# permettent de lire les Websites, d'écrire leur status, et d'écrire des
# Deployments et des Services.

# %% [markdown]
# ## Le modèle de l'opérateur
#
# Un **opérateur**, c'est exactement ce que vous avez construit : une CRD qui
# permet aux utilisateurs de dire ce qu'ils veulent dans leur propre
# vocabulaire, plus un contrôleur sur mesure qui encode la façon dont un
# opérateur humain le réaliserait, et le maintiendrait. Notre Website ne crée
# que deux objets, mais la même boucle peut automatiser les parties difficiles
# de l'exploitation d'un logiciel :
#
# - un opérateur **PostgreSQL** (CloudNativePG, celui de Zalando, celui de
#   Crunchy) transforme un objet `Cluster` en un primaire et des
#   réplicas, gère la bascule (fail-over), les sauvegardes et les mises à jour
#   mineures ;
# - l'opérateur d'**Elastic** (ECK) fait tourner des objets `Elasticsearch`
#   et `Kibana`, avec des redémarrages progressifs nœud par nœud sans perte de
#   données ;
# - l'opérateur **Prometheus** transforme des objets `Prometheus`,
#   `ServiceMonitor` et `PrometheusRule` en une pile de supervision qui tourne,
#   avec sa configuration.
#
# [OperatorHub.io](https://operatorhub.io/) en recense des centaines. kopf
# sait faire bien plus que ce qu'a utilisé ce notebook : les finalizers et
# `on.delete`, des timers et des daemons par objet, des index, des webhooks
# d'admission, et le peering, pour qu'un second réplica d'un opérateur reste
# inactif jusqu'à ce que le premier meure. En Go, **Kubebuilder** et
# l'**Operator SDK** jouent le même rôle.
#
# Installer un opérateur est aussi une question de confiance : il tourne en
# général avec des permissions étendues, et ses CRD sont globales au cluster,
# partagées par tous les namespaces.

# %% [markdown]
# ## Résumé
#
# - Une **CustomResourceDefinition** ajoute une sorte d'objet à l'API : un
#   groupe, une version, des noms, une portée, et un schéma OpenAPI qui valide
#   chaque écriture (HTTP 422 quand un champ enfreint une règle) et remplit les
#   valeurs par défaut.
# - Les objets personnalisés sont stockés et servis comme les objets intégrés
#   (`lab.apply`, `lab.get`, `lab.list`, `kubectl get`), mais ne font rien par
#   eux-mêmes.
# - Un **contrôleur** les surveille et les réconcilie : il crée ou corrige ce
#   que demande l'objet, et rend compte dans `status` par la sous-ressource
#   status. Avec **kopf**, vous n'écrivez que les handlers ; kopf surveille,
#   met en file d'attente, retente et se souvient. Les références de
#   propriétaire (owner references) permettent à l'opérateur d'être prévenu
#   par ses enfants, et au ramasse-miettes de faire le ménage après lui.
# - CRD + contrôleur = **opérateur** : du savoir-faire d'exploitation
#   transformé en code (bases de données, moteurs de recherche, supervision ;
#   voir OperatorHub.io).
#
# ## Et ensuite ?
#
# [12 · Helm](12-helm.ipynb) emballe une application entière (de nombreux
# objets, avec leurs réglages) dans un chart que vous installez, mettez à jour
# et ramenez en arrière en une seule commande.
#
# ## Nettoyage
#
# Arrêtez l'opérateur (`lab.cleanup` le fait aussi, et l'arrêter deux fois est
# sans danger), supprimez la CRD si aucun autre namespace n'a encore de
# Websites (supprimer une CRD supprime *tous* ses objets, partout), et
# supprimez le namespace de ce notebook.

# %%
operators.stop(namespace)
lab.record("crd_removed", crds.remove_crd_if_unused(crds.WEBSITE_CRD, namespace))
lab.cleanup(namespace)
lab.record("operators_left", operators.leftovers())
