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
# # 02 · L'API et l'architecture
#
# Un cluster Kubernetes, c'est une poignée de programmes qui ne s'appellent
# jamais entre eux : tous lisent et écrivent des objets à travers une seule
# API HTTP. Dans ce notebook, vous retrouvez chacun de ces programmes dans le
# cluster du lab grâce aux traces qu'il laisse dans l'API, vous explorez l'API
# elle-même (quelles sortes d'objets existent, et ce que vous avez le droit
# d'en faire), et vous regardez le cluster transformer un souhait écrit en
# YAML en pods qui tournent, puis le maintenir vrai quand la réalité s'en écarte.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Nommer les composants du plan de contrôle (control plane) et des nœuds de travail, et dire ce que fait chacun.
# 2. Retrouver chaque composant dans ce cluster à partir d'indices : versions, contrôles de santé, Leases, rapports des nœuds.
# 3. Explorer l'API par la découverte : groupes, versions, types d'objets, portée et verbes.
# 4. Voir le modèle déclaratif à l'œuvre : état souhaité, état observé, et les contrôleurs entre les deux.
# 5. Lire un objet comme un contrat : `apiVersion`, `kind`, `metadata`, `spec`, `status`.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [01 · Premiers pas](01-getting-started.ipynb) | Nécessaire | Le cluster du lab, `lab.apply`, `lab.table`, les deux vues de chaque appel |
# | Les requêtes HTTP (GET, un chemin, un code de retour) | Utile | L'API, c'est simplement du HTTPS avec du JSON |
# | YAML | Utile | Les objets s'écrivent en YAML ; le notebook 04 explique chaque champ d'un pod |
#
# **Temps d'apprentissage** : 35 minutes
#
# Ce notebook n'a besoin de rien du notebook 01, sauf d'un cluster en marche :
# la cellule de mise en place ci-dessous lui donne un namespace (espace de
# noms) tout neuf, rien qu'à lui.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre dans un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb02-api")
timeout = 60                 # secondes d'attente pour que le cluster converge

# %% [markdown]
# ## Mise en place
#
# Cette cellule importe la bibliothèque, élargit les colonnes des tableaux pour
# que les messages longs s'affichent en entier, et met le namespace dans l'état
# de départ de ce notebook : vide et tout neuf.

# %% tags=["setup"]

import pandas as pd

import k8slab as lab

pd.set_option("display.max_colwidth", 100)
lab.setup(namespace)
info = lab.status()
simulated = any(node["simulated"] for node in info["nodes"])
print(f"engine: {info['engine']} ·", "nodes simulated by KWOK: no container runs" if simulated
      else "real nodes: containers really run")

# %% [markdown]
# ## Le schéma d'ensemble
#
# L'architecture repose sur trois idées :
#
# - **Deux plans, bien séparés.** Le *plan de contrôle* décide : il conserve
#   l'état du cluster et détermine ce qui doit tourner, et où. Les *nœuds de
#   travail* (les workers) exécutent : ils font tourner les conteneurs.
# - **Une seule porte d'entrée.** Toute modification, qu'elle vienne de vous,
#   de `kubectl` ou des composants du cluster eux-mêmes, passe par l'API server.
#   Il n'y a pas de porte dérobée.
# - **Un couplage faible.** Les contrôleurs, le scheduler et les kubelets ne
#   se parlent jamais. Chacun surveille dans l'API les objets qui le
#   concernent, et y écrit en retour ce qu'il a fait. Vous pouvez remplacer,
#   redémarrer ou dupliquer n'importe lequel d'entre eux sans que les autres
#   s'en aperçoivent. Seul l'API server appelle lui-même d'autres composants :
#   un kubelet pour les journaux, exec et port-forward, les webhooks
#   d'admission, et les API agrégées (metrics-server, par exemple).
#
# ```
#   CLIENTS
#     vous, kubectl, ce notebook ──┐
#   PLAN DE CONTRÔLE               │       cœur du plan de contrôle
#     kube-controller-manager ─────┤     ┌──────────────────────────────┐
#     kube-scheduler ──────────────┼────▶│ kube-apiserver ◀──▶ etcd     │
#     cloud-controller-manager ────┤     └──────────────────────────────┘
#   SUR CHAQUE NŒUD DE TRAVAIL     │
#     kubelet ─────────────────────┤
#     kube-proxy ──────────────────┘
#
#   et dans chaque nœud :  kubelet ──CRI──▶ runtime de conteneurs (containerd, CRI-O, Kata...)
# ```
#
# | Composant | Plan | Son rôle |
# | --- | --- | --- |
# | kube-apiserver | contrôle | L'API : authentifie, valide et enregistre chaque objet |
# | etcd | contrôle | Une base clé-valeur cohérente ; seul l'API server lui parle |
# | kube-controller-manager | contrôle | Le controller manager (gestionnaire de contrôleurs) : des dizaines de boucles de contrôle (Deployments, ReplicaSets, namespaces, ramasse-miettes (garbage collector)...) |
# | kube-scheduler | contrôle | Le scheduler (ordonnanceur) : choisit un nœud pour chaque nouveau pod |
# | cloud-controller-manager | contrôle | Dialogue avec un fournisseur de cloud : répartiteurs de charge, cycle de vie des nœuds, routes |
# | kubelet | travail | Fait tourner les pods affectés à son nœud, et rend compte de leur état |
# | kube-proxy | travail | Programme les règles réseau du nœud pour que les Services atteignent les pods |
# | runtime de conteneurs | travail | Récupère les images et lance les conteneurs, piloté par le kubelet à travers la Container Runtime Interface (CRI) |
#
# Partons à leur recherche, un indice après l'autre, avec l'API pour seul outil.

# %% [markdown]
# ## L'API server se présente
#
# `lab.get_raw` envoie un simple `GET` sur n'importe quel chemin de l'API
# server, comme `kubectl get --raw`. Le chemin `/version` répond à la
# question : qui parle ?

# %%
version = lab.get_raw("/version")
lab.record("server_version", version["gitVersion"])
{key: version[key] for key in ("gitVersion", "goVersion", "platform")}

# %% [markdown]
# ## Est-il en bonne santé ? `/livez` et `/readyz`
#
# L'API server publie deux points de contrôle de santé. `/livez` dit « le
# processus est vivant » (sinon, il faut le redémarrer) ; `/readyz` dit « je
# peux traiter des requêtes » (sinon, il faut envoyer le trafic ailleurs).
# Ajoutez `?verbose` pour voir chaque contrôle, un par un.

# %%
lab.get_raw("/livez")

# %%
readyz = lab.get_raw("/readyz?verbose").splitlines()
print(f"{len(readyz) - 1} checks, then: {readyz[-1]!r}")
[line for line in readyz if "etcd" in line]

# %% [markdown]
# `[+]` marque un contrôle réussi. Les lignes `etcd` sont notre indice pour
# **etcd** : l'API server est son seul client, et il signale que sa base de
# données répond. Vous n'atteignez jamais etcd vous-même ; tout ce que vous
# lisez à travers l'API vient de lui.

# %%
lab.record("etcd_ready", "[+]etcd ok" in readyz)

# %% [markdown]
# ## Qui commande ? Les Leases
#
# Le controller manager et le scheduler peuvent tourner en plusieurs
# exemplaires pour la haute disponibilité, mais un seul exemplaire à la fois a
# le droit d'agir, sinon les pods seraient créés en double. Ils règlent la
# question avec un **Lease** (un bail) dans `kube-system` : l'exemplaire dont
# le nom figure dans le Lease est le leader, et il renouvelle le Lease toutes
# les quelques secondes. Un Lease renouvelé il y a un instant prouve que son
# composant est vivant.

# %%
lab.table("Lease", "kube-system")

# %%
scheduler_lease = lab.get("Lease", "kube-scheduler", "kube-system")["spec"]
scheduler_lease

# %% [markdown]
# `holderIdentity` désigne le leader, `renewTime` est son dernier signe de vie
# (son battement de cœur), et `leaseDurationSeconds` indique combien de temps
# les autres attendent avant de prendre la relève. Le Lease dont le nom
# commence par `apiserver-` est l'identité de l'API server : chaque instance
# de l'API server en tient un à jour.

# %% [markdown]
# ## Les nœuds de travail : chaque nœud décrit son kubelet et son runtime
#
# Le kubelet de chaque nœud écrit dans l'objet Node un rapport sur sa machine.
# Voici le rapport du premier nœud :

# %%
first_node = lab.table("Node")["name"][0]
node_info = lab.get("Node", first_node)["status"]["nodeInfo"]
lab.record("container_runtime", node_info["containerRuntimeVersion"])
node_info

# %%
if node_info["kubeletVersion"].startswith("kwok"):
    print("SIMULATED: KWOK plays this node's kubelet and container runtime.")
else:
    print(f"REAL: kubelet {node_info['kubeletVersion']}, runtime "
          f"{node_info['containerRuntimeVersion']}, on {node_info['osImage']}")

# %% [markdown]
# Ce que dit ce rapport dépend du moteur :
#
# - **kwok** : le rapport est **simulé**. La version du kubelet et le runtime
#   de conteneurs indiquent tous deux `kwok` : [KWOK](https://kwok.sigs.k8s.io/)
#   joue le rôle du kubelet et du runtime de conteneurs sur chaque nœud. Il
#   accepte les pods que le scheduler lui affecte, et les marque Running sans
#   démarrer le moindre conteneur.
# - **host** : le rapport est **réel**. Un kubelet de la même version que l'API
#   server tourne sur cette machine, et pilote son propre containerd
#   (`containerd://1.6...`, avec runc en dessous), qui démarre les conteneurs ;
#   le système d'exploitation et le noyau sont ceux de cette machine.
# - kind montre un vrai kubelet et quelque chose comme `containerd://2.1.3` ;
#   OpenShift, `cri-o://...`.
#
# Tous les runtimes parlent la même CRI : voilà pourquoi Kubernetes se moque
# de savoir lequel un nœud utilise.
#
# Les nœuds donnent aussi signe de vie par des Leases, un par nœud, dans
# `kube-node-lease` :

# %%
lab.table("Lease", "kube-node-lease")

# %% [markdown]
# ## La carte complète
#
# `lab.components()` rassemble tous ces indices (et cherche aussi les
# composants qui pourraient manquer) dans un seul tableau :

# %%
arch = lab.components()
lab.record("components_found", arch.loc[arch["found"], "component"].tolist())
arch

# %% [markdown]
# Lisez la colonne `runs_as`. Sur les moteurs kwok et host, l'API server,
# etcd, le controller manager et le scheduler sont des processus ordinaires de
# cette machine, en dehors des pods du cluster. Aucun `cloud-controller-manager`
# ne tourne (il n'y a pas de cloud à qui parler). Ensuite, les moteurs
# diffèrent :
#
# - **kwok** n'a pas de `kube-proxy` : il n'y a pas de vrai réseau à
#   programmer, et le notebook 06 atteint les Services par l'API server à la place.
# - **host** fait tourner un vrai `kube-proxy` sur cette machine, à côté du
#   kubelet. kube-proxy est le seul composant qui n'écrit presque rien dans
#   l'API (il se contente de lire les Services et leurs points de terminaison,
#   puis de programmer les règles réseau du nœud) : ses traces sont donc son
#   processus, l'Event `Starting` qu'il laisse à son démarrage (les Events sont
#   conservés une heure) et, plus bas, son effet.
#
# Le même tableau sur d'autres clusters :
#
# | Composant | kwok | host | kind | Un cluster managé dans le cloud |
# | --- | --- | --- | --- | --- |
# | API server, etcd, controller manager, scheduler | des processus sur cette machine | des processus sur cette machine | des pods statiques dans `kube-system` (`kube-apiserver-kind-control-plane`...) | invisibles : gérés par le fournisseur |
# | cloud-controller-manager | aucun | aucun | aucun | géré par le fournisseur |
# | kubelet | simulé par kwok | un vrai processus sur cette machine | un vrai agent dans chaque conteneur qui joue un nœud | un vrai agent sur chaque machine virtuelle |
# | kube-proxy | aucun | un vrai processus sur cette machine | le DaemonSet `kube-proxy`, un pod par nœud | un DaemonSet, ou remplacé par le plugin CNI |
# | runtime de conteneurs | simulé (`kwok://`) | `containerd://` (un containerd privé, avec runc) | `containerd://` | `containerd://` (ou CRI-O) |
# | DNS du cluster (CoreDNS) | aucun | un processus sur cette machine, derrière le Service `kube-dns` | des pods dans `kube-system` | des pods dans `kube-system` |
#
# (Vous croiserez peut-être une ancienne API, `ComponentStatus`, qui prétend
# donner l'état de santé des composants. Elle est dépréciée et suppose des
# ports fixes : les Leases et `/readyz` sont les indices fiables.)

# %% [markdown]
# ## Découverte de l'API : que propose ce cluster ?
#
# L'API est organisée en **groupes** (`apps`, `batch`, `networking.k8s.io`... ;
# le groupe d'origine, dit *core*, a un nom vide et se trouve sous `/api/v1`),
# chacun servi en une ou plusieurs **versions** (`v1`, `v2`, `v1beta1`...). Un
# client n'a pas besoin d'une liste codée en dur : il interroge le serveur.
# `GET /apis` liste les groupes :

# %%
groups = lab.api_groups()
lab.record("api_groups", len(groups))
groups

# %% [markdown]
# Quand un groupe sert plusieurs versions (regardez `autoscaling`), `preferred`
# est celle à écrire dans les nouveaux manifestes. Chaque version de groupe
# liste ensuite ses **types d'objets** (ses kinds), comme `kubectl api-resources` :

# %%
kinds = lab.api_resources()
lab.record("kinds", len(kinds))
kinds.head(12)

# %% [markdown]
# Chaque ligne est un type d'objet :
#
# - `kind` est ce que vous écrivez dans `kind:` ; `resource` est son nom dans
#   les URL (`/apis/apps/v1/namespaces/NS/deployments/web`) et dans
#   `kubectl get deployments` ;
# - `api_version` est ce que vous écrivez dans `apiVersion:` (`groupe/version`,
#   ou simplement `v1` pour le groupe core) ;
# - `namespaced` indique si les objets de ce type vivent dans un namespace
#   (notebook 03) ;
# - `verbs` donne les opérations que l'API accepte. `watch` est celle dont
#   dépendent tous les composants : une requête qui reste ouverte et transmet
#   chaque changement au fil de l'eau.
#
# Quelques types familiers :

# %%
familiar = kinds[kinds["kind"].isin(["Pod", "Deployment", "Node", "Namespace", "Lease"])]
lab.record("deployment_verbs", familiar.loc[familiar["kind"] == "Deployment", "verbs"].iloc[0])
familiar[["kind", "api_version", "namespaced", "verbs", "short_names"]]

# %%
scope = kinds.groupby("namespaced").size()
lab.record("namespaced_kinds", int(scope.get(True, 0)))
lab.record("cluster_kinds", int(scope.get(False, 0)))
scope

# %% [markdown]
# kubectl consulte les mêmes documents de découverte. Dans ce cours, une
# cellule qui commence par `%kubectl` lance le vrai kubectl sur le cluster du
# lab et affiche ce qu'il imprime. `kubectl api-resources` liste les types
# (ici, seulement ceux du groupe `apps`), et `kubectl explain` affiche la
# documentation que l'API donne elle-même d'un type ou de n'importe quel champ,
# tirée du schéma OpenAPI du serveur : c'est le premier endroit où regarder
# avant d'écrire un manifeste.

# %%
# %kubectl api-resources --api-group=apps

# %%
# %kubectl explain deployment.spec.replicas

# %% [markdown]
# ### Exercice 1 : notez trois apiVersions
#
# Avant d'écrire un manifeste pour un type que vous n'avez jamais utilisé, il
# vous faut son `apiVersion`. À l'aide de `kinds` (indice : filtrez-le sur la
# colonne `kind`), trouvez l'`apiVersion` de **CronJob**, de
# **HorizontalPodAutoscaler** et de **Lease**, et rangez vos réponses dans une
# ConfigMap nommée `api-versions`, avec une clé par type (`CronJob: ...`), dans
# votre namespace. Prenez la version préférée quand un groupe en a plusieurs
# (`%kubectl explain cronjob` la donne aussi, sur sa ligne `VERSION:`). Écrivez
# la ConfigMap en YAML, dans une cellule dont la première ligne est
# `%%kubectl apply -n {namespace} -f -` (le notebook 01 en a créé une de cette
# façon). Lancez ensuite la vérification (exercice `02.api-versions`).
# La solution est cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("02.api-versions", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-versions
data:
  CronJob: batch/v1
  HorizontalPodAutoscaler: autoscaling/v2
  Lease: coordination.k8s.io/v1

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("02.api-versions", namespace)

# %% [markdown]
# ## Le modèle déclaratif : vous déclarez, les contrôleurs convergent
#
# Vous ne dites pas à Kubernetes « démarre trois conteneurs ». Vous écrivez
# l'état que vous voulez (un *contrat*) et vous le confiez à l'API server, qui
# l'enregistre et répond « c'est noté ». À partir de là, des boucles de
# contrôle comparent l'état que vous avez déclaré (l'état **souhaité**) à
# l'état qu'elles constatent (l'état **observé**), et agissent pour réduire
# l'écart, encore et encore, tant que l'objet existe.
#
# Voici un contrat : un Deployment qui veut trois pods web identiques.

# %%
lab.manifest("manifests/02-api-and-architecture-web.yaml")

# %% [markdown]
# Appliquez-le, puis suivez ce qui se passe. `lab.timeline` surveille les
# **Events** du namespace, ces courtes notes que chaque composant écrit quand
# il agit, jusqu'à ce que le récit contienne les Events attendus (un par
# ReplicaSet redimensionné, un par pod créé, un par pod placé sur un nœud). Les
# Events sont eux aussi des objets : la surveillance commence donc par ceux
# déjà écrits, et rien ne lui échappe.

# %%
lab.apply("manifests/02-api-and-architecture-web.yaml", namespace)
expected = {"ScalingReplicaSet": 1, "SuccessfulCreate": 3, "Scheduled": 3}
if not simulated:
    expected["Started"] = 3   # un vrai kubelet signale chaque conteneur qu'il démarre
story = lab.timeline(namespace, until=expected, timeout=timeout)
story

# %% [markdown]
# Lisez-le depuis le haut ; chaque ligne montre un composant qui réagit à ce
# que le précédent a écrit :
#
# 1. le **contrôleur de Deployments** (dans kube-controller-manager) a vu le
#    nouveau Deployment et lui a créé un ReplicaSet (`ScalingReplicaSet`) ;
# 2. le **contrôleur de ReplicaSets** a vu le ReplicaSet et a créé trois pods
#    (`SuccessfulCreate`), encore sans nœud ;
# 3. le **scheduler** a vu des pods sans nœud et a affecté chacun d'eux à un
#    nœud (`Scheduled`).
#
# 4. le **kubelet** de chaque nœud a vu un pod affecté à son nœud et a demandé
#    à son runtime de conteneurs de démarrer les conteneurs.
#
# Sur un vrai nœud (le moteur host, kind), le kubelet le consigne aussi :
# `Pulled` (l'image est là : sur le moteur host, elle a été importée au
# `k8slab up`, donc rien n'est téléchargé), `Created`, `Started`, un de chaque
# par pod. Sur kwok, ces lignes n'apparaissent pas : KWOK ne démarre rien, il
# se contente de déclarer les pods Running. Dans les deux cas, aucun composant
# n'en a appelé un autre : chacun a surveillé l'API, et écrit dans l'API.

# %%
lab.record("story_components", list(dict.fromkeys(story["component"])))
lab.record("story_reasons", {r: int(n) for r, n in story["reason"].value_counts().items()})
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Pod", namespace)

# %% [markdown]
# ### kube-proxy à l'œuvre (sur de vrais nœuds seulement)
#
# kube-proxy figurait sur la carte plus haut ; voici son travail. Le serveur
# DNS d'un pod (la ligne `nameserver` de son `/etc/resolv.conf`) est l'adresse
# d'un **Service**, la clusterIP du Service `kube-dns` : une IP *virtuelle*
# qu'aucune interface réseau ne porte. Lancez `nslookup` dans l'un des pods web
# (avec `lab.exec`, à travers l'API server) : il obtient quand même une
# réponse, parce que les règles de kube-proxy sur le nœud remplacent cette
# adresse par l'adresse réelle du serveur DNS. Le nom demandé est celui du
# Service `kubernetes`, celui de l'API server lui-même, et la réponse est son
# IP virtuelle.
#
# Sur kwok, cette cellule explique pourquoi elle ne fait rien : aucun pod ne
# tourne, et une commande « lancée » dans un pod kwok tourne en réalité sur
# cette machine, hors de tout réseau de pods.

# %%
cluster_ip = lab.get("Service", "kubernetes", "default")["spec"]["clusterIP"]
dns_answer = None
if simulated:
    print("SIMULATED nodes: there is no pod network, so nothing to look up from inside a pod.")
else:
    a_pod = lab.list("Pod", namespace, labels="app=web")[0]["metadata"]["name"]
    lookup = lab.exec(a_pod, "grep nameserver /etc/resolv.conf; "
                      "nslookup kubernetes.default.svc.cluster.local", namespace)
    print(lookup)
    answers = [line.split()[-1] for line in lookup.splitlines()
               if line.startswith("Address") and not line.rstrip().endswith(":53")]
    dns_answer = answers[-1] if answers else None
    print(f"the kubernetes Service's clusterIP is {cluster_ip}; DNS answered {dns_answer}")
lab.record("dns_answer", dns_answer)
lab.record("kubernetes_cluster_ip", cluster_ip)

# %% [markdown]
# ## Un objet est un contrat : `spec` et `status`
#
# Tout objet a les quatre mêmes parties. Relisez le Deployment :

# %%
web = lab.get("Deployment", "web", namespace)
{key: web[key] for key in ("apiVersion", "kind")}

# %%
{key: web["metadata"][key] for key in ("name", "namespace", "uid", "resourceVersion",
                                       "generation", "creationTimestamp")}

# %%
{"spec.replicas": web["spec"]["replicas"], "status": web["status"]}

# %% [markdown]
# L'objet entier, tel que kubectl l'affiche (`-o yaml` ; `managedFields`, qui
# garde la trace de qui a écrit quel champ, reste masqué à moins d'ajouter
# `--show-managed-fields`) :

# %%
# %kubectl get deployment web -n {namespace} -o yaml

# %% [markdown]
# - `apiVersion` et `kind` disent quel schéma l'objet suit.
# - `metadata` l'identifie : `name` et `namespace` (que vous choisissez), `uid`
#   (que le serveur choisit, unique pour toujours : supprimez un objet puis
#   recréez-le, il reçoit un nouvel uid), `resourceVersion` (change à *chaque*
#   écriture, pour qu'un client puisse dire « ne modifie ceci que si personne
#   n'y a touché depuis ma lecture »), `generation` (compte les modifications
#   de la *spec*).
# - `spec` est l'**état souhaité**. C'est vous qui l'écrivez.
# - `status` est l'**état observé**. Ce sont les contrôleurs qui l'écrivent.
#   Son `observedGeneration` dit sur quelle génération de la spec ils ont agi :
#   quand il est égal à `metadata.generation`, le contrôleur a pris en compte
#   votre dernier souhait.

# %%
lab.record("generation_first", web["metadata"]["generation"])
lab.record("observed_generation_first", web["status"]["observedGeneration"])

# %% [markdown]
# ## Quand la réalité s'écarte : l'auto-réparation
#
# L'état souhaité ne bouge pas, mais l'état observé change : un nœud tombe en
# panne, un pod est supprimé par erreur. Jouons l'accident : supprimons l'un
# des trois pods.

# %%
before = [pod["metadata"]["name"] for pod in lab.list("Pod", namespace, labels="app=web")]
victim = before[0]
lab.delete("Pod", victim, namespace)

# %% [markdown]
# Surveillez maintenant les pods avec `lab.watch`, le mécanisme même qu'utilisent
# les composants. Il affiche chaque changement qu'il reçoit, et s'arrête dès
# qu'un pod qui n'existait pas avant est Running.

# %%
for change, pod in lab.watch("Pod", namespace, labels="app=web", timeout=timeout):
    name, phase = pod["metadata"]["name"], pod["status"].get("phase", "Pending")
    leaving = " (being deleted)" if pod["metadata"].get("deletionTimestamp") else ""
    print(f"{change:9} {name:22} {phase:8} node={pod['spec'].get('nodeName')}{leaving}")
    if name not in before and phase == "Running":
        break

# %% [markdown]
# Le contrôleur de ReplicaSets a observé deux pods là où trois étaient
# souhaités, et il a créé un remplaçant ; le scheduler l'a placé ; le kubelet
# (le vrai sur le moteur host, l'imitation de KWOK sur kwok) l'a démarré.
# Personne n'a rien demandé : l'écart entre le souhaité et l'observé a suffi.
# La spec du Deployment n'a pas changé, sa `generation` non plus.

# %%
pods = lab.table("Pod", namespace)
web = lab.get("Deployment", "web", namespace)
lab.record("replacement_is_new", name not in before)
lab.record("running_after_heal", int((pods["status"] == "Running").sum()))
lab.record("generation_after_heal", web["metadata"]["generation"])
pods

# %% [markdown]
# ## Changer l'état souhaité
#
# Modifiez maintenant le contrat : `manifests/02-api-and-architecture-web-scaled.yaml`
# est le même Deployment avec `replicas: 5`. La réponse à `apply` est l'objet
# tel qu'il est enregistré à cet instant : la spec a déjà une nouvelle
# génération, alors que le status décrit encore l'ancienne.

# %%
stored = lab.apply("manifests/02-api-and-architecture-web-scaled.yaml", namespace)[0]
lab.record("generation_scaled", stored["metadata"]["generation"])
{"generation": stored["metadata"]["generation"],
 "status.observedGeneration": stored["status"]["observedGeneration"]}

# %% [markdown]
# Les contrôleurs convergent de nouveau. Le récit contient maintenant deux
# Events `ScalingReplicaSet`, et six pods créés et placés (et, sur un vrai
# nœud, démarrés) : trois au départ, un remplaçant, deux nouveaux.

# %%
expected = {"ScalingReplicaSet": 2, "SuccessfulCreate": 6, "Scheduled": 6}
if not simulated:
    expected["Started"] = 6
lab.timeline(namespace, until=expected, timeout=timeout).tail(5)

# %%
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("observed_generation_scaled", web["status"]["observedGeneration"])
lab.record("ready_scaled", web["status"]["readyReplicas"])
lab.record("uid_unchanged", web["metadata"]["uid"] == stored["metadata"]["uid"])
{"generation": web["metadata"]["generation"], **web["status"]}

# %% [markdown]
# ### Exercice 2 : déclarez deux réplicas
#
# Changez encore une fois l'état souhaité de `web` : deux réplicas. Appliquez
# de nouveau le Deployment avec `replicas: 2` : collez le manifeste affiché
# plus haut dans une cellule, sous une première ligne
# `%%kubectl apply -n {namespace} -f -`, changez un nombre et lancez-la.
# Lancez ensuite la vérification (exercice `02.desired-replicas`) ; si elle
# répond que le cluster est encore en train de converger, laissez-lui une
# seconde et relancez-la. La solution est cachée dans la cellule qui suit la
# vérification ; sa deuxième cellule attend que le status du Deployment compte
# deux réplicas.

# %%
# Votre code ici

# %%
lab.check("02.desired-replicas", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2                   # le nombre de pods souhaité : deux désormais
  selector:
    matchLabels:
      app: web                  # les pods qui appartiennent à ce Deployment
  template:                     # le patron sur lequel chaque pod est fabriqué
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        ports:
        - name: http
          containerPort: 8080
        resources:
          requests:
            cpu: 50m
            memory: 32Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.wait("Deployment", "web", namespace, timeout=timeout,
         until=lambda web: (web["status"].get("replicas") == 2, "scaling down"))
lab.check("02.desired-replicas", namespace)

# %% [markdown]
# Une fois l'exercice résolu, la fin du récit montre que réduire le nombre de
# réplicas, c'est la même boucle dans l'autre sens : le contrôleur de
# Deployments écrit `ScalingReplicaSet` (`Scaled down...`), le contrôleur de
# ReplicaSets `SuccessfulDelete`.

# %%
pods = lab.table("Pod", namespace)
lab.record("pods_at_end", int((pods["status"] != "Terminating").sum()))
lab.timeline(namespace).tail(4)

# %% [markdown]
# ## Résumé
#
# - Le plan de contrôle (API server, etcd, controller manager, scheduler et,
#   dans les clouds, le cloud-controller-manager) décide ; les nœuds de travail
#   (kubelet, kube-proxy, un runtime de conteneurs compatible CRI) exécutent.
# - Tout passe par l'API server, et les composants ne parlent qu'à lui :
#   chacun surveille des objets et écrit en retour ce qu'il a fait.
# - Le cluster se décrit lui-même : `/version`, `/readyz?verbose`, les Leases,
#   les rapports des nœuds, et la découverte de chaque groupe, version et type.
# - Un objet est un contrat : `spec` est l'état souhaité, que vous écrivez,
#   `status` l'état observé, qu'écrivent les contrôleurs ; `generation` et
#   `observedGeneration` disent s'ils sont à jour.
# - Les contrôleurs convergent vers l'état souhaité, que le souhait change
#   (un changement d'échelle) ou que la réalité s'en écarte (un pod supprimé).
#
# ## Et ensuite ?
#
# [03 · Les namespaces](03-namespaces.ipynb) : les dossiers qui rangent la
# plupart de ces objets, ce qu'ils séparent et ce qu'ils ne séparent pas, et
# ce que la suppression de l'un d'eux emporte avec elle.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook et tout ce qu'il contient.

# %%
lab.cleanup(namespace)
