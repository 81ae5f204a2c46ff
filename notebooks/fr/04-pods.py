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
# # 04 · Les pods
#
# Un **pod** est la plus petite chose que Kubernetes fasse tourner : un ou
# plusieurs conteneurs qui partagent une adresse réseau et sont toujours placés
# ensemble sur le même nœud. Tout le reste de ce cours (Deployments, Jobs,
# StatefulSets...) finit par créer des pods. Dans ce notebook, vous en lancez
# un à la main, vous le suivez de sa naissance à sa suppression, vous regardez
# à l'intérieur, et vous voyez comment le scheduler (ordonnanceur) se sert des
# ressources qu'il demande. Vous découvrirez aussi le trait le plus surprenant
# du pod : il est jetable. Rien en lui, pas même son adresse, n'est fait pour
# durer.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Lire le manifeste d'un pod ligne par ligne, puis le lancer.
# 2. Suivre un pod à travers ses phases, de `Pending` à `Running`.
# 3. Vérifier que l'identité d'un pod (uid, adresse IP) ne survit pas à sa recréation.
# 4. Lire le journal d'un pod, exécuter une commande à l'intérieur, et savoir ce qui est réel et ce que kwok simule.
# 5. Constater qu'un pod supprimé le reste quand rien ne le gère.
# 6. Distinguer les demandes des limites (requests/limits), et voir ce qui se passe quand aucun nœud ne peut satisfaire une demande.
# 7. Utiliser `kubectl` comme un administrateur système au quotidien : `get -o yaml`, `describe`, `explain`,
#    `events`, `logs`, `run --dry-run=client -o yaml` ; puis réparer un pod dont l'image contient une faute de frappe.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [01 · Premiers pas](01-getting-started.ipynb) | Nécessaire | `lab.apply`, `lab.table`, les deux vues de chaque appel |
# | [02 · L'API et l'architecture](02-api-and-architecture.ipynb) | Utile | Qui place un pod, qui le fait tourner |
# | [03 · Les namespaces](03-namespaces.ipynb) | Utile | Chaque notebook travaille dans son propre namespace |
# | Conteneurs et images | Utile | Un pod fait tourner des conteneurs créés à partir d'images |
#
# **Temps d'apprentissage** : 40 minutes
#
# Ce notebook n'a besoin de rien des précédents, sauf d'un namespace (espace de
# noms) vide, que la cellule de mise en place ci-dessous crée (à neuf, à chaque
# exécution).

# %% [markdown]
# ## Paramètres
#
# Le namespace dans lequel travaille ce notebook, et combien de temps attendre
# le cluster.

# %% tags=["parameters"]
import os  # namespace : le vôtre en atelier (K8SLAB_NAMESPACE), sinon celui de ce notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb04-pods")
timeout = 60
quiet_period = 5

# %% [markdown]
# ## Mise en place
#
# Importez la bibliothèque, ramenez le namespace à l'état de départ de ce
# notebook (il existe, et il est vide), et découvrez si les nœuds de ce
# cluster sont réels ou simulés : plusieurs cellules plus bas montrent ce que
# seul un vrai conteneur peut produire, et disent ce que vous avez obtenu.

# %% tags=["setup"]
import math
import time

import yaml

import k8slab as lab

lab.setup(namespace)
info = lab.status()
simulated = any(node["simulated"] for node in info["nodes"])
print(f"engine: {info['engine']} ·", "nodes simulated by KWOK: no container runs" if simulated
      else "real nodes: containers really run")

# %% [markdown]
# ## Votre premier pod, ligne par ligne
#
# Voici le manifeste par lequel commence ce notebook. Lisez-le avant de le
# lancer.

# %%
lab.manifest("manifests/04-pods-web.yaml")

# %% [markdown]
# Ce que dit chaque partie :
#
# - `apiVersion: v1` et `kind: Pod` : les pods appartiennent au groupe d'API
#   *core*, le plus ancien, dont la version est simplement `v1`.
# - `metadata.name` nomme le pod dans son namespace ; les `labels` sont des
#   étiquettes clé-valeur libres, que d'autres objets utilisent pour le
#   retrouver (les notebooks 05 et 06 s'en servent).
# - `spec.containers` liste les conteneurs. Le nôtre exécute
#   `k8slab.local/web:1.0` : le serveur web nginx du paquet Debian (version
#   1.22.1), empaqueté en image par k8slab (ses labels le disent), qui tourne sous
#   l'utilisateur non privilégié `nginx` (uid 101), pas sous root, et écoute
#   sur le port **8080**. Pourquoi pas 80 ? Linux réserve à root les ports
#   sous un certain seuil, le réglage `net.ipv4.ip_unprivileged_port_start`,
#   1024 par défaut. Les environnements d'exécution de conteneurs récents
#   (Docker depuis 20.10, containerd depuis 2.0, et le moteur host de ce lab)
#   le mettent à 0 dans chaque pod, si bien que n'importe quel utilisateur
#   peut y écouter sur le port 80 ; les plus anciens, non. Le port 8080
#   fonctionne partout, et faire tourner un serveur web sous un utilisateur
#   autre que root sert à limiter ce qu'il pourrait faire s'il était
#   compromis, pas à choisir un port. Vous lirez ce seuil depuis l'intérieur
#   du pod plus bas.
# - `containerPort` documente ce port. Il est indicatif : le conteneur écoute
#   là où son programme écoute, quoi que dise cette ligne. Les outils (et les
#   Services du notebook 06) s'en servent pour nommer et trouver le port.
# - `resources.requests` et `resources.limits` : combien de processeur et de
#   mémoire le conteneur demande, et le maximum qu'il peut utiliser. La
#   dernière section explique la différence. `100m` signifie 100
#   *millicœurs*, un dixième de cœur ; `64Mi` signifie 64 mébioctets.
#
# Lancez-le, et suivez ce que le cluster en dit jusqu'à ce qu'il tourne.
# Chaque ligne ci-dessous est un changement que le serveur d'API nous a
# signalé : `EXISTING` est l'état au moment où nous avons commencé à
# observer, `MODIFIED` une mise à jour ultérieure.

# %%
lab.apply("manifests/04-pods-web.yaml", namespace)
phases: list[str] = []
for change, pod in lab.watch("Pod", namespace, name="web", timeout=timeout):
    phase = pod["status"].get("phase", "Pending")
    conditions = [c["type"] for c in pod["status"].get("conditions") or []
                  if c["status"] == "True"]
    print(f"{change:9} phase={phase:8} conditions={conditions}")
    if not phases or phases[-1] != phase:
        phases.append(phase)
    if phase == "Running":
        break

# %% [markdown]
# Le pod est passé par deux **phases** :
#
# 1. `Pending` : le serveur d'API a enregistré le pod, mais il ne tourne pas
#    encore. D'abord le scheduler choisit un nœud (la condition
#    `PodScheduled`), puis l'agent du nœud, le **kubelet**, récupère l'image
#    et démarre le conteneur.
# 2. `Running` : le conteneur a démarré. Une fois qu'il est prêt (et qu'il
#    passe ses contrôles de disponibilité, s'il en a), le pod est `Ready`.
#
# Il existe trois autres phases : `Succeeded` et `Failed` pour les pods dont
# les conteneurs ont terminé (les Jobs du notebook 07), et `Unknown` quand le
# nœud a cessé de donner des nouvelles.
#
# Ce qui s'est passé entre les deux dépend du moteur, et les **Events** du
# pod le racontent :
#
# - sur un **nœud réel** (le moteur host, kind), le kubelet a trouvé l'image
#   (`Pulled` : sur le moteur host, elle a été importée dans le containerd du
#   nœud au moment de `k8slab up`, donc rien n'a été téléchargé), créé le
#   conteneur (`Created`) et l'a démarré (`Started`) ;
# - sur **kwok**, aucune image n'est récupérée et aucun conteneur ne démarre :
#   KWOK joue le rôle du kubelet, fait passer le pod à `Running` environ une
#   seconde après son placement, et n'écrit aucun Event.
#
# Dans les deux cas, le scheduler qui a choisi le nœud est le vrai
# (`Scheduled`).

# %%
lab.record("phases", phases)
if not simulated:   # un vrai kubelet signale le démarrage un instant après le statut
    lab.timeline(namespace, until={"Started": 1}, timeout=timeout)
web_events = lab.events(namespace, object_name="web")
lab.record("web_event_reasons", sorted(set(web_events["reason"])))
web_events

# %% [markdown]
# ## Ce que le cluster a complété
#
# Vous avez écrit une douzaine de lignes ; le pod enregistré en compte bien
# plus. Kubernetes a ajouté le nœud sur lequel il tourne, une adresse IP, un
# identifiant unique, un statut. `lab.table` montre l'essentiel, comme
# `kubectl get pods -o wide`.

# %%
lab.table("Pod", namespace)

# %%
web = lab.get("Pod", "web", namespace)
first_uid, first_ip = web["metadata"]["uid"], web["status"]["podIP"]
print("node:", web["spec"]["nodeName"], "· IP:", first_ip, "· uid:", first_uid)
print("QoS class:", web["status"]["qosClass"])
lab.record("node", web["spec"]["nodeName"])
lab.record("qos_class", web["status"]["qosClass"])

# %% [markdown]
# L'**uid** est la véritable identité du pod : unique sur toute l'histoire du
# cluster, jamais réutilisé. Le nom, lui, n'est unique dans le namespace qu'*à
# un instant donné*. La **classe QoS** (qualité de service) découle des
# ressources ; nous y revenons plus bas.

# %% [markdown]
# ## La même chose, avec kubectl
#
# Sur un vrai cluster, vous utiliserez surtout `kubectl`, le client en ligne
# de commande. Dans ce cours, une cellule qui commence par `%kubectl` lance le
# vrai `kubectl` (celui du lab, qui ne parle qu'au cluster du lab) et montre ce
# qu'il affiche, exactement comme dans un terminal ; `{namespace}` est remplacé
# par le namespace de ce notebook. Voici trois commandes qu'un administrateur
# système tape tous les jours :
#
# - `kubectl get pod web -o yaml` : l'objet enregistré en entier, en YAML.
#   Comparez-le à la douzaine de lignes que vous avez écrites : `status`,
#   `uid`, `nodeName` et `podIP` ont tous été ajoutés par le cluster.

# %%
# %kubectl get pod web -n {namespace} -o yaml

# %% [markdown]
# - `kubectl describe pod web` : le même objet sous forme de rapport lisible,
#   avec les **Events** récents du pod en bas. C'est la première commande à
#   taper quand un pod ne fait pas ce que vous attendez.

# %%
# %kubectl describe pod web -n {namespace}

# %% [markdown]
# - `kubectl explain` : la documentation de n'importe quel champ, fournie par
#   l'API elle-même, ici les `resources` d'un conteneur (ajoutez `--recursive`
#   pour voir tous les sous-champs).

# %%
# %kubectl explain pod.spec.containers.resources

# %% [markdown]
# ## Regarder à l'intérieur : journaux et exec
#
# Deux outils de diagnostic de tous les jours, qui passent tous deux par le
# serveur d'API (vous n'avez jamais besoin de vous connecter au nœud) :
#
# - `lab.logs` lit ce que le conteneur a affiché, comme `kubectl logs`.
# - `lab.exec` exécute une commande dans le conteneur, comme `kubectl exec`.

# %%
# %kubectl logs web -n {namespace} --tail=5

# %% [markdown]
# `kubectl logs -f` *suit* le journal et affiche les nouvelles lignes au fur
# et à mesure, jusqu'à ce que vous l'arrêtiez (le bouton ■ du notebook, ou
# Ctrl-C dans un terminal). `--stop-after 3` est une option du `%kubectl` de
# ce notebook, pas de kubectl : elle arrête la commande au bout de 3 secondes,
# pour que la cellule se termine d'elle-même.

# %%
# %kubectl --stop-after 3 logs -f web -n {namespace}

# %% [markdown]
# La bibliothèque lit ce même journal :

# %%
log = lab.logs("web", namespace)
print(log)
lab.record("logs_simulated", "[kwok]" in log)
lab.record("log_names_nginx", "nginx/1.22.1" in log)

# %% [markdown]
# Sur un nœud réel, vous lisez les propres lignes de démarrage de nginx, dont
# sa version, `nginx/1.22.1`. Sur kwok, il n'y a pas de conteneur, donc rien à
# lire : KWOK sert un petit fichier de journal écrit par k8slab, dont les
# lignes disent qu'elles sont simulées. Dans les deux cas, la requête a suivi
# le vrai chemin (notebook ➜ serveur d'API ➜ point d'accès du kubelet du
# nœud), celui que suit `kubectl logs`.
#
# Un journal grandit à mesure que le programme travaille. Demandez au pod la
# page `/hello` (`lab.http_get` envoie la requête via le serveur d'API, comme
# `kubectl port-forward`), puis lisez la dernière ligne du journal :

# %%
answer = lab.http_get("web", 8080, "/hello", namespace)
print("answer:", answer.status, "(SIMULATED page)" if answer.simulated else answer.body.strip())
time.sleep(1)   # l'environnement d'exécution écrit le journal un instant plus tard
last_line = lab.logs("web", namespace, tail=1).strip()
print("last log line:", last_line)
lab.record("hello_answer", answer.body)
lab.record("last_log_line", last_line)

# %% [markdown]
# Sur un nœud réel, nginx a répondu `Hello from web (web 1.0)` (le nom du pod,
# puis la version de l'image) et a écrit pour cela une ligne de *journal
# d'accès* : `"GET /hello HTTP/1.1" 200`. L'adresse du client est
# `127.0.0.1` : un port-forward arrive à l'intérieur du propre espace de noms
# réseau (network namespace) du pod, sur son interface de boucle locale. Sur kwok, la réponse et la
# ligne de journal sont une imitation de KWOK, et toutes deux le disent ; la
# ligne de journal est un exemple fixe qui n'enregistre pas votre requête.
#
# Exécutez maintenant une commande dans le conteneur :

# %%
output = lab.exec("web", "id; pwd; ls", namespace)
print(output)
lab.record("exec_output", output)

# %% [markdown]
# Sur un nœud réel, vous voyez `uid=101(nginx)` : l'image tourne sous un
# utilisateur ordinaire, c'est tout son intérêt, et `ls` liste les fichiers de
# l'image elle-même (`/` est la racine du conteneur, pas celle du nœud). Sur
# kwok, la commande ne peut pas s'exécuter dans un conteneur qui n'existe pas ;
# KWOK l'exécute à la place sur la machine du lab, sous l'utilisateur sans
# pouvoirs `nobody`, dans un dossier isolé qui contient un `README.txt`
# expliquant cela. Gardez-y des commandes simples (`echo`, `ls`, `cat`,
# `env`).
#
# Un vrai conteneur offre davantage à regarder. La cellule suivante liste ses
# processus, lit le seuil de ports évoqué plus haut, et lit les limites du
# manifeste telles que le noyau les applique, dans le *cgroup* du conteneur
# (la dernière section explique demandes et limites). Sur kwok, elle dit
# seulement pourquoi elle ne le peut pas.

# %%
CGROUP_LIMITS = (
    "if [ -f /sys/fs/cgroup/cpu.max ]; then cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max;"
    " else echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us);"
    " cat /sys/fs/cgroup/memory/memory.limit_in_bytes; fi")
port_start = cgroup_limits = None
if simulated:
    print("SIMULATED node: no container, so no processes, no pod network and no cgroup to read.")
else:
    print(lab.exec("web", "ps", namespace))
    port_start = lab.exec("web", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start",
                          namespace).strip()
    cgroup_limits = lab.exec("web", CGROUP_LIMITS, namespace).split()
    print("ip_unprivileged_port_start inside the pod:", port_start)
    print(f"CPU: {cgroup_limits[0]} µs of CPU time per {cgroup_limits[1]} µs; "
          f"memory: {cgroup_limits[2]} bytes at most")
lab.record("port_start", port_start)
lab.record("cgroup_limits", cgroup_limits)

# %% [markdown]
# Sur un nœud réel : `nginx: master process` tourne comme processus 1 du
# conteneur, avec un processus de travail, tous deux sous l'utilisateur
# `nginx` ; le seuil vaut `0` quand l'environnement d'exécution l'abaisse (le
# containerd du moteur host le fait), `1024` sinon ; et `limits.cpu: 500m` est
# devenu un quota de 50 000 µs de temps processeur toutes les 100 000 µs,
# `limits.memory: 128Mi` un plafond de 134 217 728 octets. Ce sont les
# mécanismes de contrôle de Linux lui-même, réglés par le kubelet via
# l'environnement d'exécution. Sur kwok, rien n'applique de limite : aucun
# processus ne tourne.

# %% [markdown]
# ## Le nom et l'adresse IP d'un pod ne durent pas
#
# Un pod n'est ni réparé ni déplacé : quand il disparaît, un *nouveau* pod
# peut prendre sa place, avec une nouvelle identité. Supprimons `web` et
# recréons-le à partir du même fichier.

# %%
lab.delete("Pod", "web", namespace, wait=True)
lab.apply("manifests/04-pods-web.yaml", namespace)
again = lab.wait("Pod", "web", namespace, timeout=timeout)

# %%
second_uid, second_ip = again["metadata"]["uid"], again["status"]["podIP"]
print(f"uid: {first_uid} -> {second_uid}")
print(f"IP:  {first_ip} -> {second_ip}")
lab.record("uids", [first_uid, second_uid])
lab.record("ips", [first_ip, second_ip])

# %% [markdown]
# Même nom (parce que c'est *nous* qui l'avons choisi), mais un uid différent :
# c'est un autre pod. Son adresse IP a très probablement changé elle aussi :
# les adresses viennent d'une réserve, et un nouveau pod reçoit celle qui est
# libre (il peut lui arriver de récupérer l'ancienne).
#
# N'écrivez donc jamais l'adresse IP d'un pod dans un fichier de
# configuration. Les pods créés par un contrôleur (notebook 05) ne gardent même
# pas leur nom. Ce qui donne un nom et une adresse stables à un ensemble de
# pods qui change, c'est un **Service**, le sujet du notebook 06.

# %% [markdown]
# ## Un pod supprimé le reste
#
# Kubernetes est réputé pour réparer les choses tout seul. Pourtant, un pod
# que vous avez créé vous-même n'a personne pour veiller sur lui : supprimez-le,
# et rien ne le fait revenir. Supprimons `web` et observons le namespace
# pendant quelques secondes, en comptant les pods qui apparaissent.

# %%
lab.delete("Pod", "web", namespace, wait=True)
added = [pod["metadata"]["name"]
         for change, pod in lab.watch("Pod", namespace, timeout=quiet_period, initial=False)
         if change == "ADDED"]
print(f"pods created in {quiet_period}s: {added}")
print("web exists:", lab.exists("Pod", "web", namespace))

# %%
lab.record("recreated_after_delete", len(added))
lab.record("web_exists_after_delete", lab.exists("Pod", "web", namespace))

# %% [markdown]
# Rien. Il en va de même quand un nœud meurt : ses pods nus sont perdus. La
# guérison vient des **contrôleurs**, des programmes qui comparent ce que vous
# avez déclaré (« je veux trois copies de ce pod ») avec ce qui existe, et
# agissent sur la différence. Le Deployment du notebook 05 est un tel
# contrôleur : là, les pods supprimés reviennent en moins d'une seconde. C'est
# pourquoi on crée rarement des pods directement.

# %% [markdown]
# ## Demandes, limites et scheduler
#
# Les deux réglages de ressources d'un conteneur répondent à des questions
# différentes :
#
# - les **demandes** (requests) : « de combien ai-je besoin ? ». Le
#   **scheduler** s'en sert, et ne se sert que d'elles, pour choisir un nœud :
#   il additionne les demandes des pods déjà placés sur chaque nœud et garde
#   les nœuds où il reste assez de place. La quantité est ensuite réservée au
#   pod, qu'il l'utilise ou non.
# - les **limites** (limits) : « combien puis-je utiliser au plus ? ». Le
#   **kubelet** les inscrit dans le cgroup du conteneur (vous les y avez lues
#   plus haut, sur un nœud réel), et le noyau Linux les fait respecter pendant
#   que le conteneur tourne : au-delà de sa limite de processeur, un conteneur
#   est ralenti (throttled) ; au-delà de sa limite de mémoire, il est tué
#   (`OOMKilled`) puis redémarré. Sur kwok, rien ne les fait respecter.
#
# De ces deux réglages, Kubernetes déduit la **classe QoS** du pod, qui décide
# qui est expulsé en premier quand un nœud manque de mémoire :
#
# | Classe QoS | Quand | Expulsé |
# | --- | --- | --- |
# | `Guaranteed` | chaque conteneur a des limites de processeur et de mémoire, et des demandes égales à celles-ci | en dernier |
# | `Burstable` | quelques demandes ou limites, sans être Guaranteed | entre les deux |
# | `BestEffort` | aucune demande ni limite | en premier |
#
# Notre pod `web` demandait 100m de processeur et pouvait monter jusqu'à
# 500m : il était `Burstable`. Voici ce qu'offrent les nœuds (les colonnes
# `cpu` et `memory` donnent leur capacité *allouable*). Sur le moteur host,
# ce sont les processeurs et la mémoire de cette machine ; sur kwok, des
# chiffres que KWOK annonce pour ses nœuds simulés.

# %%
nodes = lab.table("Node")[["name", "cpu", "memory", "pods"]]
nodes

# %% [markdown]
# ### Exercice 1 : un pod Guaranteed
#
# Lancez un pod nommé `steady` (avec la même image `k8slab.local/web:1.0`) dont
# la classe QoS est **Guaranteed** : donnez à son conteneur des limites de
# processeur et de mémoire, avec des demandes égales à celles-ci (par exemple
# 200m de processeur et 128Mi de mémoire).
#
# C'est vous qui écrivez le YAML. `kubectl run NAME --image=IMAGE --dry-run=client -o yaml`
# affiche un manifeste de pod comme point de départ, sans rien créer
# (`--dry-run=client`) ; `kubectl explain pod.spec.containers.resources` (plus
# haut) documente le champ à ajouter. Collez le manifeste dans la cellule vide
# ci-dessous, sous une première ligne `%%kubectl apply -n {namespace} -f -` (le
# reste de la cellule est envoyé à kubectl comme fichier `-`), ajoutez les
# `resources`, et exécutez-la. Lancez ensuite la vérification (exercice
# `04.guaranteed`). La solution est cachée dans la cellule qui suit la
# vérification.

# %%
# %kubectl run steady --image=k8slab.local/web:1.0 --dry-run=client -o yaml

# %%
# Votre YAML ici, sous une première ligne : %%kubectl apply -n {namespace} -f -

# %%
lab.check("04.guaranteed", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: steady
  labels:
    app: steady
spec:
  containers:
  - name: nginx
    image: k8slab.local/web:1.0
    resources:
      requests:          # des demandes égales aux limites, pour cpu et memory :
        cpu: 200m        # la classe QoS est Guaranteed
        memory: 128Mi
      limits:
        cpu: 200m
        memory: 128Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.wait("Pod", "steady", namespace, timeout=timeout)
lab.check("04.guaranteed", namespace)

# %% [markdown]
# ### Un pod trop gros pour tous les nœuds
#
# Et si un pod demande plus de processeur qu'aucun nœud n'en possède ? Le
# manifeste `manifests/04-pods-greedy.yaml` demande 64 processeurs ; pour que
# la leçon tienne sur n'importe quel cluster, la cellule suivante porte cette
# demande au double de ce qu'offre le plus gros nœud si l'un d'eux a 64
# processeurs ou plus. Le serveur d'API accepte le pod (il est valide), puis
# le scheduler cherche un nœud... Observez les **Events** du namespace, les
# courtes notes que les composants laissent sur les objets, jusqu'à ce que le
# verdict du scheduler arrive.

# %%
def cpus(quantity: str) -> float:
    """A CPU quantity ("2", "3500m") in CPUs."""
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


biggest = max(cpus(cpu) for cpu in nodes["cpu"])
greedy_pod = yaml.safe_load(lab.manifest("manifests/04-pods-greedy.yaml"))
resources = greedy_pod["spec"]["containers"][0]["resources"]
asked = 64 if biggest < 64 else 2 * math.ceil(biggest)
resources["requests"]["cpu"] = resources["limits"]["cpu"] = str(asked)
print(f"the biggest node offers {biggest:g} CPUs; greedy asks for {asked}")

lab.apply(greedy_pod, namespace)
verdict = next(event for change, event in lab.watch("Event", namespace, timeout=timeout)
               if event.get("reason") == "FailedScheduling"
               and event["involvedObject"]["name"] == "greedy")
print(verdict["type"], verdict["reason"], "·", verdict["message"])

# %% [markdown]
# `0/2 nodes are available: 2 Insufficient cpu` sur kwok, `0/1 ...` sur le
# moteur host (les nombres sont ceux des nœuds de votre cluster) : aucun nœud
# n'a autant de processeur libre, alors le scheduler laisse le pod sans
# placement, et réessaie chaque fois que quelque chose change dans le cluster.
# Le pod reste `Pending` tant que c'est vrai, peut-être pour toujours. Dans la
# vraie vie, les pods `Pending` sont très souvent dans ce cas : une demande
# plus grande que ce qui reste sur chaque nœud.
#
# `lab.diagnose` lit le pod et ses événements et nomme la cause probable en
# une ligne, et `lab.events` liste ce qui s'est passé dans le namespace :

# %%
# %kubectl events -n {namespace} --for pod/greedy

# %%
greedy = lab.get("Pod", "greedy", namespace)
diagnosis = lab.diagnose("Pod", "greedy", namespace)
print(greedy["status"]["phase"], "·", diagnosis)
lab.events(namespace, object_name="greedy")

# %%
lab.record("greedy_phase", greedy["status"]["phase"])
lab.record("greedy_diagnosis", diagnosis)
lab.record("greedy_event_reason", verdict["reason"])

# %% [markdown]
# Peut-on simplement baisser la demande ? Essayons d'appliquer le pod avec une
# demande de 250m à la place.

# %%
try:
    lab.apply("manifests/04-pods-greedy-fixed.yaml", namespace)
    refused = 0
except lab.ApiError as err:
    refused = err.status
    print(f"refused (HTTP {err.status}):", err.message.splitlines()[0][:300], "...")
lab.record("resize_refused_status", refused)

# %% [markdown]
# Refusé : à part quelques champs (l'image, surtout), la spec d'un pod ne peut
# plus changer une fois le pod créé. Un pod est fait pour être remplacé, pas
# modifié. (Les versions récentes de Kubernetes savent redimensionner le
# processeur et la mémoire d'un pod *en cours d'exécution* grâce à une
# sous-ressource dédiée, `resize`, mais c'est un outil spécialisé, pas la
# façon de corriger une erreur.)
#
# ### Exercice 2 : faire tenir le pod gourmand
#
# Faites tourner un pod nommé `greedy`, avec une demande de processeur qu'un
# nœud peut satisfaire (250m suffit largement). Comme sa spec ne peut pas
# changer, supprimez-le d'abord
# (`lab.delete("Pod", "greedy", namespace, wait=True)`), puis appliquez-le à
# nouveau avec une demande plus petite : `manifests/04-pods-greedy-fixed.yaml`
# en contient une. Attendez qu'il tourne, puis lancez la vérification
# (exercice `04.greedy-fits`). La solution est cachée dans la cellule qui suit
# la vérification.

# %%
# Votre code ici

# %%
lab.check("04.greedy-fits", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.delete("Pod", "greedy", namespace, wait=True)
print(lab.manifest("manifests/04-pods-greedy-fixed.yaml"))   # cpu: 250m
lab.apply("manifests/04-pods-greedy-fixed.yaml", namespace)
lab.wait("Pod", "greedy", namespace, timeout=timeout)
lab.check("04.greedy-fits", namespace)

# %% [markdown]
# ## Casser et réparer : une faute de frappe dans l'image
#
# Une erreur que tout le monde fait une fois par semaine : une faute de frappe
# dans un nom d'image. Voici un pod nommé `shop` dont l'image indique `wbe` au
# lieu de `web` :

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels:
    app: shop
spec:
  containers:
  - name: nginx
    image: k8slab.local/wbe:1.0
    resources:
      requests:
        cpu: 50m
        memory: 32Mi

# %% [markdown]
# Le serveur d'API l'a accepté : le YAML est valide, et aucun serveur d'API ne
# vérifie qu'une image existe. Le scheduler le place aussi sur un nœud. Ensuite,
# le kubelet du nœud demande à l'environnement d'exécution des conteneurs de
# récupérer l'image, et échoue. La cellule suivante attend que le conteneur du
# pod indique pourquoi il attend. (Sur kwok, KWOK joue la scène à partir du
# seul nom de l'image : une image que le lab n'a pas échoue comme elle le
# ferait sur un nœud réel, et les messages disent « simulated by kwok ».)

# %%
def image_trouble(pod: dict) -> tuple[bool, str]:
    """Done once the container waits because of its image."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    reason = ((statuses[0].get("state") or {}).get("waiting") or {}).get("reason", "")
    return reason in ("ErrImagePull", "ImagePullBackOff"), reason or "no status yet"


shop = lab.wait("Pod", "shop", namespace, until=image_trouble, timeout=max(timeout, 120))
shop_reason = shop["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
print("phase:", shop["status"]["phase"], "· waiting:", shop_reason)
lab.record("shop_phase", shop["status"]["phase"])
lab.record("shop_waiting_reason", shop_reason)

# %% [markdown]
# `ErrImagePull` est la tentative ratée ; `ImagePullBackOff` signifie que le
# kubelet attend avant de réessayer (de plus en plus longtemps, jusqu'à cinq
# minutes). Le pod reste `Pending` : son conteneur n'a jamais démarré. Lisez la
# situation comme le ferait un administrateur système : d'abord la colonne
# `STATUS`, puis `describe` (regardez `State`, `Reason` et les Events en bas),
# puis les Events seuls :

# %%
# %kubectl get pod shop -n {namespace}

# %%
# %kubectl describe pod shop -n {namespace}

# %%
# %kubectl events -n {namespace} --for pod/shop

# %% [markdown]
# ### Exercice 3 : corriger l'image
#
# La cellule ci-dessous contient le même manifeste. Corrigez l'image (l'image
# web du cours est `k8slab.local/web:1.0`) et exécutez la cellule :
# `kubectl apply` modifie le pod sur place (l'image fait partie des rares
# champs d'un pod qui peuvent changer), et le kubelet récupère la bonne image
# et la démarre. Lancez ensuite la vérification (exercice `04.fix-image`) :
# elle attend que `shop` tourne avec la bonne image. Indice : `kubectl describe`
# a nommé l'image qu'il n'arrivait pas à récupérer.

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels:
    app: shop
spec:
  containers:
  - name: nginx
    image: k8slab.local/wbe:1.0    # <- corrigez cette ligne
    resources:
      requests:
        cpu: 50m
        memory: 32Mi

# %%
lab.check("04.fix-image", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels:
    app: shop
spec:
  containers:
  - name: nginx
    image: k8slab.local/web:1.0    # « web », pas « wbe »
    resources:
      requests:
        cpu: 50m
        memory: 32Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.wait("Pod", "shop", namespace, timeout=max(timeout, 120))
lab.check("04.fix-image", namespace)

# %% [markdown]
# Voici les pods qui restent dans le namespace :

# %%
pods = lab.table("Pod", namespace)
lab.record("pods", sorted(pods["name"]))
pods

# %% [markdown]
# ## Résumé
#
# - Un pod fait tourner un ou plusieurs conteneurs ensemble sur un nœud ; son
#   manifeste nomme l'image, les ports et les ressources.
# - Un nouveau pod est `Pending` jusqu'à ce qu'il soit placé et que ses
#   conteneurs démarrent, puis `Running`. `lab.watch` montre chaque changement
#   au moment où il se produit.
# - L'uid et l'adresse IP d'un pod n'appartiennent qu'à ce pod : un pod recréé
#   est un nouveau pod. Ne comptez jamais sur l'adresse d'un pod.
# - `lab.logs` et `lab.exec` passent par le serveur d'API. Sur un nœud réel,
#   ils montrent le propre journal de nginx et exécutent des commandes dans le
#   conteneur (sous l'uid 101, avec les limites dans son cgroup) ; sur kwok,
#   leur sortie est simulée et le dit.
# - Rien ne recrée un pod que vous avez supprimé, sauf si un contrôleur le
#   gère.
# - Le scheduler place les pods selon leurs **demandes** ; le kubelet fait
#   appliquer les **limites** par le noyau (cgroups). Une demande qu'aucun
#   nœud ne peut satisfaire laisse le pod `Pending`, avec un événement
#   `FailedScheduling` que `lab.diagnose` résume en une ligne.
# - `kubectl get -o yaml`, `describe`, `explain`, `events` et `logs` montrent
#   les mêmes objets depuis un terminal ; `kubectl run ... --dry-run=client -o yaml`
#   écrit un manifeste qui sert de point de départ.
# - Une faute de frappe dans l'image laisse le pod `Pending` avec
#   `ErrImagePull` puis `ImagePullBackOff` ; `describe` nomme l'image, et
#   corriger le manifeste répare le pod.
#
# ## Et ensuite ?
#
# [05 · Les Deployments](05-deployments.ipynb) confie les pods à un
# contrôleur qui en maintient le bon nombre en fonctionnement, les guérit, les
# met à l'échelle et les met à jour sans interruption de service.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook et tout ce qu'il contient.

# %%
lab.cleanup(namespace)
