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
# # 03 · Les namespaces
#
# Un cluster est le plus souvent partagé : entre plusieurs équipes, plusieurs
# projets, les versions de test et de production d'une même application. Les
# **namespaces** (espaces de noms) le découpent en compartiments qui portent
# un nom. Dans ce notebook, vous créez des namespaces et leur posez des labels,
# vous les retrouvez avec des sélecteurs de labels, vous apprenez exactement ce
# qu'un namespace sépare (et ce qu'il ne sépare pas), et vous en supprimez un
# pour voir disparaître tout ce qu'il contient.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Lister les namespaces que tout cluster possède dès le départ, et dire à quoi sert chacun.
# 2. Créer des namespaces à partir de YAML, leur poser des labels, et les sélectionner par label.
# 3. Distinguer les types d'objets rangés dans un namespace de ceux qui valent pour tout le cluster (les nœuds, les volumes persistants, les namespaces eux-mêmes).
# 4. Supprimer un namespace, suivre sa phase `Terminating`, et vérifier ce qui est parti avec lui et ce qui est resté.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [01 · Premiers pas](01-getting-started.ipynb) | Nécessaire | `lab.apply`, `lab.table`, `lab.cleanup` |
# | [02 · L'API et l'architecture](02-api-and-architecture.ipynb) | Nécessaire | Les objets vus comme des contrats, les contrôleurs, la découverte de l'API |
# | Les labels (étiquettes clé/valeur) | Utile | Présentés ici, utilisés dans tous les notebooks suivants |
#
# **Temps d'apprentissage** : 25 minutes
#
# Ce notebook n'a besoin de rien des précédents, sauf d'un cluster en marche :
# la cellule de mise en place ci-dessous lui donne un namespace tout neuf,
# rien qu'à lui.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre dans un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb03-namespaces")
timeout = 60                    # secondes d'attente pour créer ou supprimer des namespaces

# %% [markdown]
# ## Mise en place
#
# En plus de son propre namespace, ce notebook crée quelques namespaces
# voisins dont le nom commence par le vôtre : ainsi, plusieurs apprenants (et
# la suite de tests) peuvent partager un même cluster sans se marcher sur les
# pieds. La cellule qui suit celle-ci supprime les voisins laissés par une
# exécution interrompue.

# %% tags=["setup"]
import k8slab as lab

lab.setup(namespace)
dev, prod, scratch = f"{namespace}-dev", f"{namespace}-prod", f"{namespace}-scratch"
archive = f"{namespace}-archive"   # objet à l'échelle du cluster, voir « Supprimer un namespace »

# %%
for leftover in (dev, prod, scratch):
    lab.cleanup(leftover, timeout=timeout)
lab.delete("PersistentVolume", archive)

# %% [markdown]
# ## Les namespaces présents dès le départ

# %%
all_namespaces = lab.table("Namespace")
all_namespaces

# %% [markdown]
# En plus de ceux créés pour ce cours (sur un cluster partagé, vous verrez
# peut-être aussi ceux des autres), quatre sont livrés avec tout cluster :
#
# | Namespace | Ce qu'il contient |
# | --- | --- |
# | `default` | Les objets créés sans préciser de namespace. Pratique pour un essai rapide, une mauvaise habitude pour le vrai travail |
# | `kube-system` | La machinerie du cluster lui-même : sur kind, les pods du plan de contrôle (control plane) ; partout, ses Leases (notebook 02) |
# | `kube-public` | Lisible par tout le monde, même par les clients non authentifiés ; contient des informations publiques sur le cluster |
# | `kube-node-lease` | Un Lease par nœud : les signes de vie des nœuds |

# %%
builtin = {"default", "kube-system", "kube-public", "kube-node-lease"}
lab.record("builtin_namespaces", sorted(builtin & set(all_namespaces["name"])))

# %% [markdown]
# ## Un namespace est un objet comme les autres
#
# Un namespace se décrit en YAML comme tout le reste, et il est minuscule : un
# nom et, en général, quelques **labels**, des étiquettes clé/valeur que vous
# choisissez. Les labels ne changent rien à ce que fait un objet ; ils
# permettent de le retrouver, à vous comme aux contrôleurs. Ici, nous
# étiquetons le namespace avec son propriétaire (le nom de votre namespace,
# qui n'appartient qu'à vous) et son environnement.
#
# Le nom vient d'une variable Python : le YAML est donc écrit sous forme de
# f-string Python, où `{dev}` est remplacé par la valeur de `dev`.

# %%
lab.apply(f"""
apiVersion: v1
kind: Namespace
metadata:
  name: {dev}
  labels:
    owner: {namespace}
    env: dev
""")
lab.get("Namespace", dev)["status"]

# %% [markdown]
# Le nouveau namespace est `Active`. Il ne reste pas vide longtemps : des
# contrôleurs du controller manager le remarquent et y ajoutent deux objets,
# un ServiceAccount nommé `default` (l'identité sous laquelle tournent ses
# pods, sauf indication contraire) et une ConfigMap `kube-root-ca.crt` (le
# certificat qui permet aux pods de faire confiance à l'API server). Attendez
# le premier, puis listez les deux.

# %%
lab.wait("ServiceAccount", "default", dev, until="exists", timeout=timeout)
contents = [f"{kind}/{obj['metadata']['name']}"
            for kind in ("ServiceAccount", "ConfigMap") for obj in lab.list(kind, dev)]
lab.record("fresh_namespace_contents", sorted(contents))
contents

# %% [markdown]
# `lab.namespace(name, labels={...})` est un raccourci pour ce même apply : il
# crée le namespace s'il le faut et pose ses labels. Servons-nous-en pour
# étiqueter aussi le namespace de ce notebook.

# %%
lab.namespace(namespace, labels={"owner": namespace, "env": "course"})["metadata"]["labels"]

# %% [markdown]
# ### Exercice 1 : un namespace pour la production
#
# Créez un namespace qui porte le nom du vôtre suivi de `-prod` (la variable
# `prod` contient ce nom), avec les labels `owner: <votre namespace>` et
# `env: prod`. Écrivez-le en YAML. Inutile de partir d'une page blanche :
# `kubectl create ... --dry-run=client -o yaml` affiche le manifeste de ce
# que la commande créerait, sans rien créer. Ajoutez les `labels` sous
# `metadata`, puis appliquez le tout : dans une cellule dont la première ligne
# est `%%kubectl apply -f -` (un namespace n'appartient à aucun namespace,
# donc pas de `-n`), ou avec `lab.apply`. Lancez ensuite la vérification
# (exercice `03.prod-namespace`). La solution est cachée dans la cellule qui
# suit la vérification.

# %%
# %kubectl create namespace {prod} --dry-run=client -o yaml

# %%
# Votre YAML ici, sous une première ligne : %%kubectl apply -f -

# %%
lab.check("03.prod-namespace", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
prod_yaml = f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: {prod}
  labels:
    owner: {namespace}
    env: prod
"""
print(prod_yaml)   # le YAML, avec les noms de votre namespace
lab.kubectl("apply", "-f", "-", stdin=prod_yaml)   # ce que fait %%kubectl apply -f -
lab.check("03.prod-namespace", namespace)

# %% [markdown]
# ## Retrouver des namespaces avec des sélecteurs de labels
#
# Un **sélecteur de labels** (label selector) filtre les objets d'après leurs
# labels, côté serveur. `lab.table(kind, labels=...)` en transmet un, comme
# `kubectl get -l`. Chaque namespace que vous avez créé porte
# `owner=<votre namespace>` :

# %%
mine = lab.table("Namespace", labels=f"owner={namespace}")
lab.record("owned_namespaces", sorted(mine["name"]))
mine

# %% [markdown]
# Les sélecteurs se combinent avec des virgules (toutes les conditions doivent
# être remplies). Les conditions d'égalité utilisent `=` et `!=` ; les
# conditions d'ensemble utilisent `in (...)`, `notin (...)`, ou simplement une
# clé, pour exiger que le label existe :

# %%
environments = lab.table("Namespace", labels=f"owner={namespace},env in (dev,prod)")
lab.record("dev_or_prod", sorted(environments["name"]))
environments

# %%
lab.table("Namespace", labels=f"owner={namespace},env!=course")["name"].tolist()

# %% [markdown]
# Le même sélecteur avec kubectl (mettez-le entre guillemets : il contient des
# espaces), et `--show-labels` pour afficher tous les labels :

# %%
# %kubectl get namespaces -l "owner={namespace},env in (dev,prod)" --show-labels

# %% [markdown]
# Les labels et les sélecteurs sont partout dans Kubernetes : un Deployment
# retrouve ses pods grâce à un sélecteur (notebook 05), un Service sait où
# envoyer le trafic grâce à un autre (notebook 06).

# %% [markdown]
# ## Ce que délimite un namespace
#
# Un namespace délimite les **noms** : deux objets du même type peuvent porter
# le même nom s'ils vivent dans des namespaces différents. La preuve est déjà
# dans le cluster : chaque namespace contient sa propre ConfigMap nommée
# `kube-root-ca.crt`. Un *sélecteur de champs* (un filtre sur des champs comme
# `metadata.name`, et non sur des labels) les trouve toutes, dans tous les
# namespaces à la fois :

# %%
copies = lab.list("ConfigMap", fields="metadata.name=kube-root-ca.crt")
where = sorted(cm["metadata"]["namespace"] for cm in copies)
lab.record("root_ca_in_ours", {namespace, dev} <= set(where))
print(f"{len(where)} ConfigMaps named kube-root-ca.crt, one in each of: {', '.join(where)}")

# %% [markdown]
# Tous les types d'objets ne vivent pas dans un namespace. Certains objets
# décrivent le cluster entier : ses nœuds, ses volumes de stockage, ses
# namespaces (un namespace ne peut pas se trouver dans un namespace), les
# permissions valables sur tout le cluster. La découverte de l'API (notebook
# 02) dit lesquels sont lesquels :

# %%
kinds = lab.api_resources()
cluster_scoped = kinds[~kinds["namespaced"]]
cluster_scoped[["kind", "api_version"]].head(15)

# %%
scope = {kind: bool(kinds.loc[kinds["kind"] == kind, "namespaced"].iloc[0])
         for kind in ("Pod", "ConfigMap", "Secret", "Node", "PersistentVolume", "Namespace")}
lab.record("namespaced", scope)
scope

# %% [markdown]
# Les namespaces délimitent aussi ce que vous leur rattachez : les **droits
# d'accès** (un Role accorde des droits à l'intérieur d'un seul namespace),
# les **quotas** (un ResourceQuota plafonne ce qu'un namespace peut consommer)
# et les **valeurs par défaut** (un LimitRange fixe des demandes (requests)
# par défaut). Les Services reçoivent des noms DNS qui contiennent leur
# namespace, `web.<namespace>.svc.cluster.local` : deux `web` dans deux
# namespaces n'entrent donc jamais en conflit.
#
# Ce qu'un namespace ne fait **pas** : isoler le réseau (par défaut, un pod
# peut joindre n'importe quel pod de n'importe quel namespace ; les
# NetworkPolicies permettent de restreindre cela), ni isoler les machines (les
# pods de tous les namespaces se partagent les mêmes nœuds).

# %% [markdown]
# ### Exercice 2 : un nom, deux objets
#
# Créez une ConfigMap nommée `settings` avec une seule clé, `color: blue`,
# dans votre namespace, et une autre ConfigMap, nommée elle aussi `settings`,
# avec `color: green`, dans le namespace `dev` (la variable `dev` contient
# son nom). Écrivez le YAML (`%kubectl create configmap settings --from-literal=color=blue
# --dry-run=client -o yaml` vous en donne une ébauche) et appliquez-le deux
# fois, une fois par namespace : c'est `-n` qui choisit où. Lancez ensuite la
# vérification (exercice `03.same-name`). La solution est cachée dans la
# cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("03.same-name", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
for where_to, color in ((namespace, "blue"), (dev, "green")):
    settings_yaml = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: {color}
"""
    print(f"# in namespace {where_to}:\n{settings_yaml}")
    lab.kubectl("apply", "-n", where_to, "-f", "-", stdin=settings_yaml)
lab.check("03.same-name", namespace)

# %% [markdown]
# ## Supprimer un namespace, c'est supprimer tout ce qu'il contient
#
# Supprimer un namespace est le nettoyage le plus complet qui soit : c'est à
# la fois pratique et dangereux. Remplissons un namespace `scratch` avec des
# objets de plusieurs types (une ConfigMap, un Secret, un Deployment et ses
# pods, un Service), tirés de `manifests/03-namespaces-scratch.yaml` :

# %%
lab.namespace(scratch, labels={"owner": namespace, "env": "scratch"})
lab.apply("manifests/03-namespaces-scratch.yaml", scratch)
lab.wait("Deployment", "cache", scratch, timeout=timeout)
lab.table("Pod", scratch)

# %% [markdown]
# Les deux pods `cache` font tourner `k8slab.local/redis:7.0` : Redis 7.0
# issu du paquet Debian, mis en image par k8slab. Sur un vrai nœud (le moteur
# host, kind), Redis démarre vraiment, et son journal se termine par
# `Ready to accept connections` (un `WARNING` sur le surengagement de la
# mémoire, l'overcommit, peut le précéder : c'est un conseil destiné aux
# machines de production, sans conséquence ici). Le manifeste donne au
# conteneur une *readiness probe* (une sonde de disponibilité),
# `redis-cli ping` : un pod ne compte comme prêt qu'une fois que Redis répond.
# Sur kwok, aucun conteneur ne tourne, les probes ne sont pas exécutées non
# plus, et le journal que sert KWOK indique qu'il est simulé.

# %%
cache_log = lab.logs("deployment/cache", scratch, tail=3)
print(cache_log)
lab.record("cache_log_real", "Ready to accept connections" in cache_log)
lab.record("cache_log_simulated", "[kwok]" in cache_log)

# %% [markdown]
# Et, à côté, un objet à l'échelle du cluster : un volume persistant
# (PersistentVolume), du stockage qui appartient au cluster entier (notebook
# 09). Son `storageClassName` n'appartient qu'à vous, pour qu'aucune demande
# de volume (PersistentVolumeClaim) d'une autre personne ne vienne s'y lier.

# %%
lab.apply(f"""
apiVersion: v1
kind: PersistentVolume
metadata:
  name: {archive}
  labels:
    owner: {namespace}
spec:
  storageClassName: {namespace}-manual
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /tmp/{archive}
""")[0]["status"]

# %%
inventory_kinds = ("Deployment", "ReplicaSet", "Pod", "Service", "EndpointSlice", "ConfigMap",
                   "Secret", "ServiceAccount")
inventory = {kind: len(lab.list(kind, scratch)) for kind in inventory_kinds}
lab.record("scratch_before", inventory)
inventory

# %% [markdown]
# Remarquez les objets que vous n'avez pas écrits vous-même : le ReplicaSet et
# les pods (ce sont les contrôleurs du Deployment qui les ont créés), une
# EndpointSlice (créée par le contrôleur du Service), le ServiceAccount
# `default` et `kube-root-ca.crt`.
#
# Supprimez maintenant le namespace, sans attendre :

# %%
lab.delete("Namespace", scratch)
phase = lab.get("Namespace", scratch)["status"]["phase"]
lab.record("phase_after_delete", phase)
phase

# %% [markdown]
# Le namespace est `Terminating` : le contrôleur de namespaces (dans le
# controller manager, là encore) supprime son contenu, type par type, et le
# namespace ne disparaît qu'une fois vide. La suppression des pods n'est pas
# instantanée non plus : sur un vrai nœud, le kubelet arrête d'abord leurs
# conteneurs (Redis reçoit SIGTERM et s'arrête), et c'est seulement ensuite
# que les pods disparaissent. Pendant ce temps, l'API server refuse d'y créer
# quoi que ce soit de nouveau :

# %%
try:
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}}, scratch)
    refused = None
except lab.ApiError as err:
    refused = err.status
    print(err.message)
lab.record("create_while_terminating", refused)

# %% [markdown]
# Surveillez le namespace jusqu'à sa disparition. Chaque ligne est un
# changement que l'API server nous transmet ; les conditions du namespace
# rendent compte de l'avancement du contrôleur de namespaces (elles
# apparaissent après son premier passage).

# %%
for change, ns in lab.watch("Namespace", name=scratch, timeout=timeout):
    notes = {c["type"]: c.get("message") for c in ns["status"].get("conditions") or []}
    print(f"{change:9} {ns['status']['phase']:12}",
          notes.get("NamespaceContentRemaining", "(contents not checked yet)"))
    if change == "DELETED":
        break
lab.record("last_change", change)

# %% [markdown]
# Tout ce qu'il contenait est parti avec lui. Lister un namespace qui n'existe
# plus n'est pas une erreur ; les listes sont simplement vides :

# %%
after = {kind: len(lab.list(kind, scratch)) for kind in inventory_kinds}
lab.record("scratch_after", after)
lab.record("scratch_exists", lab.exists("Namespace", scratch))
after

# %% [markdown]
# Le volume persistant, lui, est toujours là : il n'a jamais été *dans* le
# namespace. Les objets à l'échelle du cluster doivent être supprimés séparément.

# %%
lab.record("archive_survived", lab.exists("PersistentVolume", archive))
lab.table("PersistentVolume", labels=f"owner={namespace}")

# %% [markdown]
# ## Résumé
#
# - Un namespace est un petit objet à l'échelle du cluster ; la plupart des
#   autres objets vivent dans l'un d'eux. Tout cluster démarre avec `default`,
#   `kube-system`, `kube-public` et `kube-node-lease`.
# - Les labels étiquettent les objets ; les sélecteurs de labels
#   (`env in (dev,prod)`, `owner=...`) les retrouvent côté serveur. Les
#   sélecteurs de champs filtrent sur des champs.
# - Un namespace délimite les noms, les droits d'accès, les quotas et les
#   valeurs par défaut. Il n'isole ni le réseau ni les nœuds.
# - Les nœuds, les volumes persistants, les namespaces et les permissions
#   valables sur tout le cluster sont à l'échelle du cluster : la découverte de
#   l'API vous dit quels types d'objets le sont.
# - Supprimer un namespace supprime tout ce qu'il contient (il reste
#   `Terminating` jusqu'à ce qu'il soit vide, et refuse entre-temps les
#   nouveaux objets) ; les objets à l'échelle du cluster, eux, restent.
#
# ## Et ensuite ?
#
# [04 · Les pods](04-pods.ipynb) : la plus petite chose que Kubernetes fait
# tourner, chaque champ de son YAML, et ce que son statut vous apprend.
#
# ## Nettoyage
#
# Supprimez les namespaces voisins et le volume persistant, puis le namespace
# de ce notebook et tout ce qu'il contient.

# %%
for sibling in (dev, prod, scratch):
    lab.cleanup(sibling, wait_for=False)
lab.delete("PersistentVolume", archive)

# %%
lab.cleanup(namespace)
