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
# # 09 · Le stockage
#
# Un conteneur repart de son image à chaque fois : tout ce qu'il a écrit
# disparaît quand il est remplacé. C'est une qualité pour un programme sans
# état, et un problème pour une base de données. Kubernetes sépare
# l'*utilisation* du stockage de sa *fourniture* : un pod demande du stockage
# avec une **demande de volume (PersistentVolumeClaim)**, et le cluster répond
# avec un **volume persistant (PersistentVolume)**, préparé à l'avance par un
# administrateur ou créé à la demande grâce à une **StorageClass**. Ce
# notebook passe en revue chaque pièce, et vérifie ce qui survit à un pod et
# ce qui survit à une demande de volume.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Partager un dossier de travail entre les conteneurs d'un pod avec un volume `emptyDir`.
# 2. Préparer des volumes persistants à la main et y lier des demandes.
# 3. Lire les modes d'accès et la politique de récupération d'un volume.
# 4. Laisser une StorageClass créer des volumes à la demande.
# 5. Montrer qu'une demande et son volume survivent aux pods qui les utilisent.
# 6. Réparer un pod qui attend une demande de volume qui n'existe pas.
# 7. Supprimer des demandes et voir les volumes gardés (`Retain`) ou supprimés (`Delete`).

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [04 · Les pods](04-pods.ipynb) | Nécessaire | Spécification d'un pod, conteneurs, suppression de pods |
# | [07 · D'autres charges de travail](07-workloads.ipynb) | Utile | Les StatefulSets créent une demande de volume par pod |
# | [08 · La configuration](08-configuration.ipynb) | Utile | Volumes de ConfigMap et de Secret |
# | Fichiers, dossiers et disques | Utile | Un volume est un dossier que voit un conteneur |
#
# **Temps d'apprentissage** : 40 minutes
#
# Rien des notebooks précédents n'a besoin d'exister : la cellule de mise en
# place ci-dessous part d'un namespace (espace de noms) vide. Ce notebook crée
# aussi des objets à l'échelle du cluster (des volumes persistants), nommés
# d'après son namespace et supprimés au nettoyage.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre dans un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb09-storage")
timeout = 60                 # secondes d'attente d'un pod ou d'une demande avant d'abandonner

# %% [markdown]
# ## Mise en place
#
# Deux tableaux reviennent souvent : `lab.volumes(namespace)` liste les
# volumes persistants qui appartiennent à ce notebook (ils sont à l'échelle du
# cluster), et `lab.table("PersistentVolumeClaim", namespace)` les demandes de
# volume de son namespace, comme `kubectl get pv` et `kubectl get pvc`. Une
# cellule qui commence par `%kubectl` lance le vrai kubectl du lab
# (`{namespace}` y est remplacé par le namespace de ce notebook) : ce sont les
# commandes que vous taperiez sur n'importe quel cluster.

# %% tags=["setup"]
import time
from pathlib import Path

import k8slab as lab
from k8slab import state_dir

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "containers and volumes are real here" if real_containers else
      "kwok simulates the nodes: no container runs and no volume holds data")

# %% [markdown]
# ## Les volumes : un stockage qui appartient à un pod
#
# Un pod déclare des **volumes** dans `spec.volumes` ; chaque conteneur
# choisit ceux qu'il voit, et où, avec `volumeMounts`. Le type le plus simple
# est `emptyDir` : un dossier vide, créé quand le pod arrive sur un nœud et
# supprimé avec le pod. Il survit au redémarrage d'un conteneur, pas au pod.
# Deux conteneurs d'un même pod peuvent s'en servir pour partager des
# fichiers : ici, un producteur ajoute des lignes à un journal, et un
# consommateur le lit (en lecture seule).

# %%
lab.manifest("manifests/09-storage-scratch.yaml")

# %%
lab.apply("manifests/09-storage-scratch.yaml", namespace)
scratch = lab.wait("Pod", "scratch", namespace, timeout=timeout)
mounts = {c["name"]: [(m["name"], m["mountPath"], m.get("readOnly", False))
                      for m in c["volumeMounts"] if m["name"] == "work"]
          for c in scratch["spec"]["containers"]}
lab.record("scratch_mounts", mounts)
mounts

# %% [markdown]
# Un seul dossier, vu en `/work` par un conteneur et en `/input` par l'autre.
# Avec de vrais conteneurs, `lab.exec` dans le **consommateur** montre les
# lignes que le **producteur** a écrites, et montre que son montage est en
# lecture seule. Le cluster kwok ne fait tourner aucun conteneur : il n'y a
# donc pas de dossier à examiner ; ce que nous pouvons y vérifier, c'est le
# contrat écrit dans la spécification du pod, ci-dessus.

# %%
if real_containers:
    shared = lab.exec("scratch", "sleep 1; cat /input/log.txt; touch /input/mine 2>&1 || true",
                      namespace, container="consumer")
    print(shared)
    lab.record("scratch_consumer_sees", {"lines": len(shared.splitlines()) - 1,
                                         "read_only": "Read-only file system" in shared})
else:
    print(f"{engine}: no container, no folder; the pod spec is the whole story here.")

# %% [markdown]
# Chaque ligne est une date ajoutée par le producteur ; la dernière ligne est
# la tentative d'écriture du consommateur, refusée parce que son montage
# indique `readOnly: true`.
#
# Les ConfigMaps et les Secrets (notebook 08) sont aussi des volumes.
# D'autres types sortent du pod : `hostPath` monte un dossier du nœud
# (pratique pour des agents de nœud, risqué ailleurs), et
# `persistentVolumeClaim` monte un stockage qui survit au pod, le sujet de la
# suite de ce notebook.

# %% [markdown]
# ## Volumes persistants et demandes de volume
#
# Deux objets se partagent le travail entre les personnes qui exploitent le
# cluster et celles qui exploitent les applications :
#
# - un **volume persistant (PersistentVolume)** (PV) est un morceau de
#   stockage : un disque, un partage NFS, un dossier. Il a une capacité, des
#   modes d'accès et une *classe de stockage*, et il appartient à tout le
#   cluster, pas à un namespace ;
# - une **demande de volume (PersistentVolumeClaim)** (PVC) est une requête
#   de stockage, dans un namespace : « 1 Gio, en lecture-écriture, de classe
#   `fast` ». Les pods montent des demandes, jamais directement des volumes.
#
# Le cluster **lie** chaque demande à un volume qui la satisfait, et la paire
# reste ensemble. Les manifestes d'une application disent alors *combien* et
# *quel type* de stockage il leur faut, jamais *d'où* il vient.
#
# ### Des volumes faits à la main
#
# Jouons l'administrateur et préparons deux volumes de classe `manual` (aucun
# programme ne crée de volumes pour cette classe : ce n'est qu'un nom que
# partagent demandes et volumes). Comme les volumes sont à l'échelle du
# cluster, le fichier contient un marqueur que nous remplaçons par notre
# namespace, et il réserve chaque volume à une demande de notre namespace
# (`claimRef`), pour que la demande de quelqu'un d'autre ne le prenne pas.
#
# Chaque volume est un `hostPath` : un dossier du nœud, `VOLUMES/<namespace>/...`
# dans le fichier. Avec le moteur host, le nœud est cette machine : le dossier
# est donc placé dans le propre dossier d'état du lab (le lab n'écrit jamais
# ailleurs) ; sur kind, il serait dans le conteneur du nœud, et avec kwok rien
# ne le crée.

# %%
node_folder = (state_dir() / "node" / "volumes" / "manual" if engine == "host"
               else Path("/var/lib/k8slab-volumes"))
volumes_yaml = (lab.manifest("manifests/09-storage-volumes.yaml")
                .replace("VOLUMES", str(node_folder)).replace("NAMESPACE", namespace))
lab.apply(volumes_yaml)
lab.volumes(namespace)

# %% [markdown]
# Les deux sont `Available` : prêts, pas encore liés. Passons maintenant du
# côté de l'application : une demande nommée `archive`, de classe `manual`,
# qui réclame 500 Mio, et un pod qui la monte.

# %%
lab.manifest("manifests/09-storage-archive-claim.yaml")

# %%
lab.apply("manifests/09-storage-archive-claim.yaml", namespace)
lab.apply("manifests/09-storage-archiver.yaml", namespace)
archive = lab.wait("PersistentVolumeClaim", "archive", namespace, timeout=timeout)
lab.wait("Pod", "archiver", namespace, timeout=timeout)
lab.table("PersistentVolumeClaim", namespace)

# %% [markdown]
# La demande est `Bound` (liée) au volume `<namespace>-archive`. Pour choisir
# un volume, le binder (une boucle du controller manager) en cherche un qui a
# la classe de la demande, offre au moins ses modes d'accès et au moins la
# taille qu'elle réclame ; parmi ceux-là, il prend le plus petit. Un volume
# réservé à la demande par `claimRef`, comme le nôtre, l'emporte. Regardez la
# capacité : la demande réclamait 500 Mio et a reçu tout le volume de 1 Gio,
# car un volume n'est jamais partagé entre plusieurs demandes.

# %%
lab.record("archive_volume", archive["spec"]["volumeName"])
lab.record("archive_capacity", archive["status"]["capacity"]["storage"])
lab.volumes(namespace)

# %% [markdown]
# ### Exercice 1 : réclamer le volume de réserve
#
# Le volume `<namespace>-spare` attend une demande nommée `spare`. Lisez sa
# ligne dans le tableau ci-dessus : sa classe, ses modes d'accès, sa capacité.
# Écrivez une demande `spare` que ce volume peut satisfaire (partez de
# `manifests/09-storage-archive-claim.yaml`), appliquez-la et attendez qu'elle
# soit `Bound` avec `lab.wait("PersistentVolumeClaim", "spare", namespace)`.
# Une demande qu'il ne peut pas satisfaire reste `Pending`, et une demande
# sans classe reçoit la classe par défaut et un volume tout neuf. Identifiant
# de l'exercice : `09.claim-spare`. La solution est cachée dans la cellule qui
# suit la vérification.

# %%
# Votre code ici

# %%
lab.check("09.claim-spare", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/09-storage-spare-claim.yaml"))
lab.apply("manifests/09-storage-spare-claim.yaml", namespace)
lab.wait("PersistentVolumeClaim", "spare", namespace, timeout=timeout)
lab.check("09.claim-spare", namespace)

# %% [markdown]
# ## Les modes d'accès
#
# Les `accessModes` d'un volume disent comment il peut être monté, ce qui
# dépend de ce dont le stockage est capable :
#
# | Mode | Abrégé | Signification | Stockage typique |
# | --- | --- | --- | --- |
# | `ReadWriteOnce` | RWO | lecture-écriture, par les pods d'**un seul nœud** à la fois | un disque cloud, un disque local |
# | `ReadOnlyMany` | ROX | lecture seule, par des pods sur plusieurs nœuds | un jeu de données partagé |
# | `ReadWriteMany` | RWX | lecture-écriture, par des pods sur plusieurs nœuds | NFS, CephFS, un partage de fichiers cloud |
# | `ReadWriteOncePod` | RWOP | lecture-écriture, par **un seul pod** | un disque qu'un seul écrivain peut toucher |
#
# Le volume de réserve promet `ReadWriteMany`, ce qu'un dossier d'un seul
# nœud (`hostPath`) ne peut pas vraiment tenir : Kubernetes fait confiance à
# ce qu'a écrit l'administrateur. Une demande liste les modes dont elle a
# besoin, et seuls les volumes qui les offrent tous peuvent lui être liés.

# %%
spare = lab.get("PersistentVolume", f"{namespace}-spare")
lab.record("spare_access_modes", spare["spec"]["accessModes"])
print(spare["spec"]["accessModes"], "bound to", (spare["spec"].get("claimRef") or {}).get("name"),
      "·", spare["status"]["phase"])

# %% [markdown]
# ## Des volumes à la demande : les StorageClasses
#
# Préparer des volumes à la main ne passe pas à l'échelle. Une
# **StorageClass** nomme un type de stockage et le **provisionneur** qui crée
# des volumes de ce type quand une demande en réclame un : c'est le
# *provisionnement dynamique*. Un cluster a en général une classe *par
# défaut*, utilisée par les demandes qui n'en nomment aucune : celle dont
# l'annotation `storageclass.kubernetes.io/is-default-class` vaut `"true"`
# (`kubectl get storageclass` la marque `(default)`). Son nom dépend du
# cluster (`standard` sur kind, sur minikube et dans ce lab, autre chose dans
# un cloud) : nous le cherchons donc au lieu de le supposer :

# %%
# %kubectl get storageclass

# %%
classes = lab.list("StorageClass")
default_class = next(c for c in classes if c["metadata"].get("annotations", {}).get(
    "storageclass.kubernetes.io/is-default-class") == "true")
default_name = default_class["metadata"]["name"]
lab.record("storageclass", {"provisioner": default_class["provisioner"], "default": True,
                            "name": default_name,
                            "reclaimPolicy": default_class.get("reclaimPolicy"),
                            "volumeBindingMode": default_class.get("volumeBindingMode")})
print("default class:", default_name, "· classes:", [c["metadata"]["name"] for c in classes])
{key: default_class.get(key) for key in ("provisioner", "reclaimPolicy", "volumeBindingMode")}

# %% [markdown]
# - `provisioner` : qui crée les volumes. Sur kind, c'est le *local-path
#   provisioner* (un dossier sur le nœud) ; dans un cloud, un pilote CSI qui
#   crée de vrais disques ; avec le moteur host du lab, `k8slab.io/host-path`,
#   un petit provisionneur bien réel qui crée un dossier par demande dans le
#   dossier d'état du lab. Sur le cluster kwok, la simulation de k8slab crée un
#   volume persistant pour chaque demande de sa classe par défaut (nommée
#   `standard`), sans aucun disque derrière.
# - `reclaimPolicy` : ce que deviennent ces volumes quand leur demande est
#   supprimée (la dernière section le montre).
# - `volumeBindingMode` : `Immediate` provisionne dès que la demande existe ;
#   `WaitForFirstConsumer` (le choix de kind) attend qu'un pod utilise la
#   demande, pour que le volume soit créé sur le nœud où tourne le pod.
#
# Voici une demande qui ne nomme aucune classe, et un pod qui écrit un fichier
# dedans, les deux à la fois (en mode `WaitForFirstConsumer`, la demande
# attendrait le pod). L'API server écrit la classe par défaut dans la demande
# au moment de l'enregistrer :

# %%
lab.manifest("manifests/09-storage-claim.yaml")

# %%
lab.apply("manifests/09-storage-claim.yaml", namespace)
lab.apply("manifests/09-storage-writer.yaml", namespace)
data = lab.wait("PersistentVolumeClaim", "data", namespace, timeout=timeout)
lab.wait("Pod", "writer", namespace, timeout=timeout)
data_volume = data["spec"]["volumeName"]
lab.record("data_claim_class", data["spec"].get("storageClassName"))
print("class:", data["spec"].get("storageClassName"), "· volume:", data_volume)

# %% [markdown]
# Personne n'a écrit ce volume : le provisionneur l'a créé pour la demande,
# sous le nom `pvc-<uid de la demande>`, avec la politique de récupération de
# la classe.

# %%
provisioned = lab.get("PersistentVolume", data_volume)
lab.record("dynamic_volume", {"class": provisioned["spec"]["storageClassName"],
                              "reclaim": provisioned["spec"]["persistentVolumeReclaimPolicy"],
                              "named_after_claim": data_volume == f"pvc-{data['metadata']['uid']}"})
data_folder = (provisioned["spec"].get("hostPath") or {}).get("path")
print("provisioned by", provisioned["metadata"].get("annotations", {}).get(
    "pv.kubernetes.io/provisioned-by"), "· folder on the node:", data_folder)
lab.volumes(namespace)

# %% [markdown]
# Avec le moteur host, le volume est un dossier `hostPath` de cette machine,
# et le notebook tourne sur cette même machine : nous pouvons donc regarder ce
# que le pod écrivain y a déposé, depuis l'extérieur de tout conteneur :

# %%
on_disk = None
if engine == "host":
    message = Path(data_folder, "message.txt")
    for _ in range(50):  # le shell de l'écrivain peut avoir besoin d'un instant après le démarrage
        if message.exists():
            break
        time.sleep(0.1)
    on_disk = lab.record("data_on_disk", message.read_text().strip())
    print(f"{message}: {on_disk!r}")
else:
    lab.record("data_on_disk", on_disk)
    print(f"{engine}: the volume has no folder that this notebook can see.")

# %% [markdown]
# ## Des données qui survivent à leur pod
#
# Le pod écrivain a déposé un fichier dans `/data`. Supprimez le pod : la
# demande ne s'en soucie pas, elle reste `Bound` au même volume, et les
# données qu'il contient aussi.

# %%
lab.delete("Pod", "writer", namespace, wait=True)
after = lab.get("PersistentVolumeClaim", "data", namespace)
lab.record("claim_after_pod_deleted", {"phase": after["status"]["phase"],
                                       "same_volume": after["spec"]["volumeName"] == data_volume})
lab.table("PersistentVolumeClaim", namespace)

# %% [markdown]
# Un nouveau pod qui monte la demande `data` retrouve ce même volume, et avec
# de vrais conteneurs il y trouve le fichier `message.txt` écrit par le
# premier pod. Avec kwok, il n'y a pas de disque : ce que nous pouvons y
# vérifier, c'est la liaison elle-même, entre la demande, le volume et le pod
# qui les monte.
#
# ### Exercice 2 : relire les données
#
# Lancez un pod nommé `reader` qui monte la demande `data` en `/data` (la
# lecture seule suffit : `readOnly: true` dans ses `volumeMounts`). Partez de
# `manifests/09-storage-writer.yaml` et attendez que le pod tourne.
# Identifiant de l'exercice : `09.reuse-claim`. La solution est cachée dans la
# cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("09.reuse-claim", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/09-storage-reader.yaml"))
lab.apply("manifests/09-storage-reader.yaml", namespace)
lab.wait("Pod", "reader", namespace, timeout=timeout)
lab.check("09.reuse-claim", namespace)

# %%
claim_of_reader = None
if lab.exists("Pod", "reader", namespace):
    reader = lab.get("Pod", "reader", namespace)
    claim_of_reader = next(v["persistentVolumeClaim"]["claimName"]
                           for v in reader["spec"]["volumes"] if "persistentVolumeClaim" in v)
volume_now = lab.get("PersistentVolumeClaim", "data", namespace)["spec"]["volumeName"]
lab.record("reader_same_volume", claim_of_reader == "data" and volume_now == data_volume)
print("reader mounts", claim_of_reader, "->", volume_now, "· the writer had", data_volume)

# %% [markdown]
# La commande du lecteur affiche le fichier avant de s'endormir : son journal
# est donc la preuve, sur un moteur avec de vrais conteneurs. Avec kwok, le
# journal est simulé, et il le dit.

# %%
if claim_of_reader:
    reader_log = lab.logs("reader", namespace)
    lab.record("reader_log", reader_log.strip())
    print(reader_log)

# %% [markdown]
# ## Un pod qui attend sa demande de volume
#
# Une collègue veut un pod `auditor` qui liste ce que l'écrivain a laissé
# dans la demande. Elle a écrit son manifeste de mémoire :

# %%
lab.manifest("manifests/09-storage-auditor.yaml")

# %%
lab.apply("manifests/09-storage-auditor.yaml", namespace)


def auditor_unschedulable() -> list[str]:
    """The scheduler's messages about the auditor pod, once it has given up placing it."""
    events = lab.events(namespace)
    mine = events[(events["reason"] == "FailedScheduling") & (events["object"] == "pod/auditor")]
    return sorted(set(mine["message"]))


deadline = time.monotonic() + timeout
while not auditor_unschedulable():  # le scheduler essaie tout de suite, et dit pourquoi
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The auditor pod did not settle.", "Look at lab.events(namespace).")
    time.sleep(0.5)
auditor = lab.get("Pod", "auditor", namespace)
print("phase:", auditor["status"]["phase"], "· node:", auditor["spec"].get("nodeName"))
print(*auditor_unschedulable(), sep="\n")
lab.record("auditor_phase", auditor["status"]["phase"])
lab.record("auditor_unschedulable", auditor_unschedulable())

# %% [markdown]
# Ce qu'un administrateur tape en premier, `kubectl describe` : pas de
# `Node`, et l'événement `FailedScheduling` du scheduler (ordonnanceur) tout
# en bas.

# %%
# %kubectl describe pod auditor -n {namespace}

# %% [markdown]
# `Pending`, et sur aucun nœud : le **scheduler** (et non le kubelet) refuse
# de placer un pod dont la demande de volume n'existe pas,
# puisqu'il ne peut pas savoir sur quel nœud se trouvera ce stockage. Son
# événement `FailedScheduling` dit pourquoi, pour chaque nœud. C'est le vrai
# scheduler, sur tous les moteurs, kwok compris. Il continue d'essayer : une
# demande portant ce nom débloquerait le pod.
#
# ### Exercice 3 : donner sa demande de volume à l'auditeur
#
# Quelles demandes existent dans le namespace (`%kubectl get pvc -n {namespace}`) ?
# Laquelle l'auditeur nomme-t-il ? Corrigez le manifeste (partez de
# `lab.manifest("manifests/09-storage-auditor.yaml")`, regardez
# `persistentVolumeClaim.claimName`). Les volumes d'un pod ne peuvent pas être
# modifiés sur place : l'API server refuse la mise à jour. Supprimez donc
# d'abord le pod (`%kubectl delete pod auditor -n {namespace}`), puis
# appliquez votre YAML et attendez avec `lab.wait("Pod", "auditor", namespace)`.
# Identifiant de l'exercice : `09.claim-name`. La solution est cachée dans la
# cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("09.claim-name", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl get pvc -n {namespace}
# %kubectl delete pod auditor -n {namespace}
print(lab.manifest("manifests/09-storage-auditor-fixed.yaml"))
lab.apply("manifests/09-storage-auditor-fixed.yaml", namespace)
lab.wait("Pod", "auditor", namespace, timeout=timeout)
lab.check("09.claim-name", namespace)

# %% [markdown]
# ## Quand une demande disparaît : les politiques de récupération
#
# ### Une demande utilisée est protégée
#
# Supprimer une demande qu'un pod monte encore lui couperait l'herbe sous le
# pied. Kubernetes s'y refuse, poliment : la demande reçoit une date de
# suppression mais reste là, retenue par le finalizer
# `kubernetes.io/pvc-protection`, jusqu'à ce qu'aucun pod ne l'utilise plus.
# Le pod archiveur utilise encore `archive` :

# %%
lab.delete("PersistentVolumeClaim", "archive", namespace)
held = lab.get("PersistentVolumeClaim", "archive", namespace)
lab.record("protected_claim", {"deleting": bool(held["metadata"].get("deletionTimestamp")),
                               "finalizers": held["metadata"].get("finalizers", []),
                               "phase": held["status"]["phase"]})
lab.table("PersistentVolumeClaim", namespace)

# %% [markdown]
# `kubectl describe` le dit en toutes lettres : `Terminating`, et quel pod
# utilise encore la demande (`Used By`) :

# %%
# %kubectl describe pvc archive -n {namespace}

# %% [markdown]
# ### Retain : le volume et ses données sont gardés
#
# Une fois le pod archiveur parti, la demande s'en va aussi. Son volume a la
# politique de récupération `Retain` : il n'est pas supprimé, il devient
# **Released** (libéré). Sur un vrai nœud, ses données sont toujours là (le
# moteur host montre le fichier ci-dessous ; les volumes de kwok sont simulés
# et n'ont jamais contenu de données), et il nomme toujours son ancienne
# demande : aucune nouvelle demande ne peut donc s'y lier. Un
# administrateur décide quoi faire des données (les copier, nettoyer le
# volume et le rendre de nouveau `Available`, ou le supprimer).

# %%
lab.delete("Pod", "archiver", namespace, wait=True)
lab.wait("PersistentVolumeClaim", "archive", namespace, until="deleted", timeout=timeout)
released = lab.wait("PersistentVolume", f"{namespace}-archive", timeout=timeout,
                    until=lambda v: (v["status"]["phase"] == "Released", v["status"]["phase"]))
lab.record("retained_volume_phase", released["status"]["phase"])
archive_folder = released["spec"]["hostPath"]["path"]
if engine == "host":
    runs = Path(archive_folder, "runs.txt")
    lab.record("retained_data", runs.exists())
    print(f"{runs} is still there: {runs.read_text().strip()!r}")
lab.volumes(namespace)

# %% [markdown]
# ### Delete : le volume part avec sa demande
#
# Ici, les volumes créés par la classe par défaut ont la politique `Delete` :
# quand leur demande est supprimée, le provisionneur supprime le volume, et
# les données avec. Pratique pour des données temporaires, fatal pour une
# base de données : choisissez la classe (ou changez la politique d'un volume)
# en conséquence. Les pods lecteur et auditeur partent en premier, puisque la
# demande est protégée tant qu'elle est utilisée.

# %%
lab.delete("Pod", "reader", namespace, wait=True)
lab.delete("Pod", "auditor", namespace, wait=True)
lab.delete("PersistentVolumeClaim", "data", namespace, wait=True)
lab.wait("PersistentVolume", data_volume, until="deleted", timeout=timeout)
lab.record("deleted_volume_gone", not lab.exists("PersistentVolume", data_volume))
if engine == "host":
    lab.record("deleted_folder_gone", not Path(data_folder).exists())
    print(data_folder, "exists:", Path(data_folder).exists())
lab.volumes(namespace)

# %% [markdown]
# Avec le moteur host, le provisionneur a aussi supprimé le dossier : les
# données sont perdues pour de bon.

# %% [markdown]
# ## Résumé
#
# - Les volumes sont déclarés par un pod et montés par ses conteneurs ; un
#   `emptyDir` vit exactement aussi longtemps que son pod.
# - Une demande de volume (PersistentVolumeClaim) réclame du stockage dans un
#   namespace ; un volume persistant (PersistentVolume) le fournit pour tout
#   le cluster ; le binder les associe selon la classe, les modes d'accès et
#   la taille.
# - Les modes d'accès (RWO, ROX, RWX, RWOP) disent combien de nœuds ou de
#   pods peuvent monter un volume, et comment.
# - Une StorageClass crée des volumes à la demande grâce à son provisionneur ;
#   la classe par défaut sert les demandes qui n'en nomment aucune.
# - Un pod dont la demande de volume n'existe pas n'est pas placé : il reste
#   `Pending`, avec un événement `FailedScheduling` qui nomme la demande. Les
#   volumes d'un pod ne peuvent pas être modifiés sur place : supprimez-le et
#   recréez-le.
# - Les demandes et les volumes survivent aux pods. Quand une demande est
#   supprimée, `Retain` garde le volume (`Released`) et `Delete` le supprime ;
#   une demande utilisée attend que ses pods soient partis.
#
# ## Et ensuite ?
#
# [10 · L'Ingress](10-ingress.ipynb) ouvre les applications au monde
# extérieur grâce à un reverse proxy HTTP.
#
# ## Nettoyage
#
# Supprimez le namespace, puis les volumes persistants qu'il laisse derrière
# lui : ils sont à l'échelle du cluster, donc supprimer le namespace ne les
# supprime pas (celui qui était `Released` est toujours là). Supprimer un
# volume `Retain` ne touche jamais à ses données : comme un administrateur,
# nous supprimons nous-mêmes les dossiers faits à la main (avec le moteur
# host, le seul où ils se trouvent sur cette machine).

# %%
import shutil

lab.cleanup(namespace)
for volume in lab.volumes(namespace)["name"]:
    lab.delete("PersistentVolume", volume, wait=True, timeout=timeout)
if engine == "host":
    shutil.rmtree(node_folder / namespace, ignore_errors=True)
