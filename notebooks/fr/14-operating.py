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
# # 14 · Exploiter un cluster
#
# Les notebooks précédents faisaient tourner des applications. Celui-ci
# regarde le cluster depuis le fauteuil de l'administrateur : comment
# empêcher une équipe d'accaparer tout le cluster, comment arrêter un nœud
# pour maintenance sans interruption de service, et ce que promet vraiment
# une politique réseau. Ce sont les questions que se pose un administrateur
# système dès sa première semaine à faire tourner Kubernetes pour les
# autres.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Plafonner ce qu'un namespace (espace de noms) peut consommer avec un
#    **ResourceQuota**, et donner à ses conteneurs des valeurs par défaut et
#    des plafonds avec un **LimitRange**.
# 2. Réparer un Deployment dont le serveur d'API refuse de créer les pods.
# 3. Protéger une application pendant une maintenance avec un
#    **PodDisruptionBudget**, et voir refuser une éviction, la brique de base
#    de `kubectl drain`.
# 4. Lire une **NetworkPolicy**, et découvrir si ce cluster l'applique.
# 5. Sauvegarder etcd avec `etcdctl snapshot save`, et prouver que la
#    sauvegarde est bonne en la restaurant à côté du lab.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [04 · Les pods](04-pods.ipynb) | Nécessaire | Demandes et limites (requests/limits) |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | ReplicaSets, disponibilité (readiness) |
# | [06 · Les Services](06-services.ipynb) | Utile | Appeler un Service depuis un pod |
# | [07 · D'autres charges de travail](07-workloads.ipynb) | Utile | Taints et tolerations |
#
# **Temps d'apprentissage** : 40 minutes
#
# Rien des notebooks précédents n'a besoin d'exister : la cellule de mise en
# place ci-dessous part d'un namespace vide. Tout ce qui suit vit dans ce
# namespace : le notebook ne dérange donc jamais les autres utilisateurs
# d'un cluster partagé. Il crée toutefois un ResourceQuota et un LimitRange,
# ce que les participants d'un atelier n'ont pas le droit de faire :
# lancez-le avec le kubeconfig du lab (celui de l'administrateur).

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre dans un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb14-operating")
timeout = 60                  # secondes d'attente d'un rollout avant d'abandonner

# %% [markdown]
# ## Mise en place
#
# Une cellule qui commence par `%kubectl` lance le vrai kubectl du lab sur le
# cluster du lab (`{namespace}` y est remplacé par le namespace de ce
# notebook).

# %% tags=["setup"]
import json
import time

from kubernetes import client

import k8slab as lab

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "real containers and network" if real_containers
      else "simulated nodes (kwok): no container runs, no traffic flows")

# %% [markdown]
# ## Quotas et limites : à chaque namespace sa juste part
#
# Sur un cluster partagé, un seul Deployment qui s'emballe (une faute de
# frappe, `replicas: 300`) pourrait prendre tous les CPU des nœuds. Deux
# objets, rattachés à un namespace, l'empêchent. Tous deux sont appliqués
# par le **serveur d'API** à la création d'un pod (plugins d'admission
# `LimitRanger` et `ResourceQuota`) : ils tiennent donc sur tous les
# moteurs.
#
# - un **LimitRange** donne une demande et une limite par défaut à chaque
#   conteneur qui ne déclare rien, et refuse un conteneur au-delà de son
#   `max` ;
# - un **ResourceQuota** plafonne les totaux du namespace : nombre de pods,
#   somme des demandes et des limites. Un pod doit alors déclarer tout ce que
#   le quota compte : un quota sur `requests.cpu` refuse un conteneur sans
#   demande de CPU, un quota sur `limits.memory` un conteneur sans limite de
#   mémoire, et une ressource que le quota ne nomme pas peut rester non
#   déclarée. Ce quota compte les quatre (les valeurs par défaut du
#   LimitRange les complètent).

# %%
lab.manifest("manifests/14-operating-limits.yaml")

# %%
lab.apply("manifests/14-operating-limits.yaml", namespace)
lab.apply("manifests/14-operating-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
web_pod = lab.list("Pod", namespace, labels="app=web")[0]
defaults = web_pod["spec"]["containers"][0]["resources"]
lab.record("web_resources", defaults)
defaults

# %% [markdown]
# Le manifeste web ne demande rien, et pourtant ses pods ont des demandes et
# des limites : le LimitRange les a inscrites au moment où chaque pod a été
# enregistré (une annotation sur le pod l'indique). `kubectl describe quota`
# additionne ce qu'utilise le namespace :

# %%
# %kubectl describe resourcequota quota -n {namespace}

# %% [markdown]
# ## Un Deployment sans pods
#
# Un collègue déploie deux workers de calcul (batch). `kubectl apply` répond
# `created`, puis plus rien ne se passe :

# %%
lab.manifest("manifests/14-operating-batch.yaml")

# %%
lab.apply("manifests/14-operating-batch.yaml", namespace)


def batch_refusals() -> list[str]:
    """The ReplicaSet controller's FailedCreate messages for the batch pods."""
    events = lab.events(namespace)
    mine = events[(events["reason"] == "FailedCreate")
                  & events["object"].str.startswith("replicaset/batch-")]
    return sorted(set(mine["message"]))


deadline = time.monotonic() + timeout
while not batch_refusals():  # le ReplicaSet essaie tout de suite, et dit pourquoi il échoue
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The batch ReplicaSet did not settle.",
                              "Look at lab.events(namespace).")
    time.sleep(0.5)
lab.record("batch_refusals", batch_refusals())

# %%
# %kubectl get deployment batch -n {namespace}
# %kubectl describe replicaset -n {namespace} -l app=batch

# %% [markdown]
# `0/2` prêts, et aucun pod : cette fois, ni le scheduler (ordonnanceur) ni
# un kubelet n'est en cause. Le **contrôleur de ReplicaSet** a demandé au
# serveur d'API de créer chaque pod, et le serveur d'API a refusé, en
# invoquant le LimitRange. Ce refus n'est visible que dans les événements
# `FailedCreate` du ReplicaSet (et dans la condition `ReplicaFailure` du
# Deployment) ; `kubectl get pods` ne montre rien du tout.
#
# ### Exercice 1 : laisser démarrer les workers batch
#
# Lisez le message ci-dessus : quelle valeur le LimitRange refuse-t-il, et
# quel est son plafond (`kubectl describe limitrange limits -n {namespace}`) ?
# Corrigez les `resources` de `manifests/14-operating-batch.yaml` (partez de
# `lab.manifest(...)`) pour que chaque conteneur respecte le LimitRange et
# que les deux pods tiennent dans ce qui reste du quota, puis appliquez-le.
# Le Deployment fait un rollout vers un nouveau ReplicaSet ; attendez-le avec
# `%kubectl rollout status deployment/batch -n {namespace}`. Identifiant de
# l'exercice : `14.fit-limits`. La solution est cachée dans la cellule qui
# suit la vérification.

# %%
# Votre code ici

# %%
lab.check("14.fit-limits", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/14-operating-batch-fixed.yaml"))
lab.apply("manifests/14-operating-batch-fixed.yaml", namespace)
# %kubectl rollout status deployment/batch -n {namespace} --timeout=60s
lab.check("14.fit-limits", namespace)

# %%
used = lab.get("ResourceQuota", "quota", namespace)["status"]["used"]
lab.record("quota_used_pods", used.get("pods"))
{key: used[key] for key in sorted(used)}

# %% [markdown]
# ## Une maintenance sans interruption : les budgets de perturbation
#
# Pour mettre à jour le noyau d'un nœud, l'administrateur l'**isole**
# (`cordon` : plus aucun nouveau pod n'y est placé) puis le **vide**
# (`drain`) : `kubectl drain` évince chaque pod du nœud, sauf ceux des
# DaemonSets, et leurs contrôleurs les recréent ailleurs. Une **éviction**
# est une suppression polie : le serveur d'API vérifie d'abord les
# **PodDisruptionBudgets** du pod, et refuse (HTTP 429) si l'éviction
# laissait moins de pods que ce que le budget promet. `kubectl drain`
# attend alors et réessaie toutes les quelques secondes : un drain ne fait
# donc jamais passer une application sous son budget. (Un nœud qui *tombe en
# panne* n'est pas une perturbation volontaire : aucun budget n'y peut rien,
# seuls suffisamment de réplicas sur d'autres nœuds peuvent aider.)
#
# Vider un nœud d'un cluster partagé déplacerait les pods de tout le monde.
# Ici, nous demandons donc au serveur d'API ce que ferait une isolation,
# sans la faire (`--dry-run=server`) :

# %%
node_name = web_pod["spec"]["nodeName"]
# %kubectl cordon {node_name} --dry-run=server

# %% [markdown]
# Ensuite, nous faisons pour nos propres pods exactement ce qu'un drain fait
# pour chaque pod. D'abord un budget : au moins 2 des 3 pods web doivent
# rester disponibles.

# %%
lab.manifest("manifests/14-operating-pdb.yaml")

# %%
lab.apply("manifests/14-operating-pdb.yaml", namespace)


def budget_allows_one(budget: dict) -> tuple[bool, str]:
    """The disruption controller has seen the budget, and it allows one eviction."""
    status = budget.get("status") or {}
    seen = (status.get("observedGeneration") or 0) >= budget["metadata"]["generation"]
    allowed = status.get("disruptionsAllowed")
    return seen and allowed == 1, f"disruptionsAllowed={allowed}"


lab.wait("PodDisruptionBudget", "web", namespace, until=budget_allows_one, timeout=timeout)
# %kubectl get pdb web -n {namespace}

# %% [markdown]
# `ALLOWED DISRUPTIONS 1` : trois pods, deux doivent rester. Maintenant, deux
# évictions coup sur coup, comme un drain les enverrait (la bibliothèque n'a
# pas de fonction pour cela : la cellule utilise
# `create_namespaced_pod_eviction` du client officiel, le
# `POST .../pods/NAME/eviction` qu'envoie kubectl drain) :

# %%
core = client.CoreV1Api(lab.connect())


def evict(pod: str) -> int:
    """Ask the API server to evict one pod; return the HTTP status it answered."""
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=namespace))
    try:
        core.create_namespaced_pod_eviction(pod, namespace, body)
        return 201
    except client.ApiException as err:
        print(f"{pod}: {err.status} {err.reason}:",
              (err.body or "").split('"message":"')[-1].split('"')[0])
        return err.status


victims = sorted(p["metadata"]["name"] for p in lab.list("Pod", namespace, labels="app=web"))
first, second = evict(victims[0]), evict(victims[1])
print(victims[0], "->", first, "·", victims[1], "->", second)
lab.record("evictions", [first, second])

# %% [markdown]
# La première éviction a été acceptée, et le serveur d'API a aussitôt
# ramené à 0 la marge du budget ; la seconde a été refusée avec **429 Too
# Many Requests**. Dès que le pod de remplacement du Deployment est prêt, la
# marge revient à 1 et la même éviction passe : c'est la boucle de
# nouvelles tentatives de `kubectl drain`.

# %%
lab.wait("PodDisruptionBudget", "web", namespace, until=budget_allows_one, timeout=timeout)
retried = evict(victims[1])
print(victims[1], "->", retried)
lab.record("eviction_retried", retried)
lab.wait("Deployment", "web", namespace, timeout=timeout)
# %kubectl get pods -n {namespace} -l app=web

# %% [markdown]
# Sur votre propre cluster à plusieurs nœuds, la vraie opération est
# `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`, puis
# `kubectl uncordon NODE` après la maintenance. Le notebook 07 a montré
# l'autre moitié de la maintenance des nœuds : les **taints** tiennent les
# pods à l'écart d'un nœud, sauf s'ils ont une **toleration** pour ce taint
# (`kubectl taint nodes NODE key=value:NoSchedule`).

# %% [markdown]
# ## NetworkPolicy : ce qu'elle dit, et qui l'applique
#
# Par défaut, chaque pod peut se connecter à n'importe quel autre pod. Une
# **NetworkPolicy** sélectionne des pods et liste qui peut les joindre ; dès
# qu'un pod est sélectionné par une politique de type `Ingress`, tout ce qui
# n'est pas listé est refusé. Celle-ci ne laisse que les pods portant le
# label `role=frontend` joindre les pods web, sur le port 8080 :

# %%
lab.manifest("manifests/14-operating-netpol.yaml")

# %%
lab.apply("manifests/14-operating-netpol.yaml", namespace)
# %kubectl describe networkpolicy web-from-frontend -n {namespace}

# %% [markdown]
# Le serveur d'API enregistre et valide la politique, mais ne l'applique
# pas : c'est le rôle du **plugin réseau** (CNI) de chaque nœud. Calico et
# Cilium le font. Les moteurs du lab, **non** : kwok n'a pas de réseau du
# tout, et le plugin `bridge` du moteur host fait passer les paquets sans
# lire les politiques. Sur kind ou minikube, cela dépend du plugin réseau
# qu'ils utilisent : consultez sa documentation avant de compter sur une
# politique. Voyons ce qu'il en est sur ce moteur : notre pod `client` n'a
# pas le label `role=frontend`, un cluster qui applique les politiques
# refuserait donc sa connexion.

# %%
lab.apply("manifests/14-operating-client.yaml", namespace)
lab.wait("Pod", "client", namespace, timeout=timeout)
if real_containers:
    request = r"printf 'GET /hello HTTP/1.0\r\nHost: web\r\n\r\n' | nc -w 3 web 80 | tail -n 1"
    answer = lab.exec("pod/client", request, namespace).strip()
    print("client -> web:", answer or "(no answer)")
else:
    answer = None
    print("kwok: no network, so no policy to enforce and nothing to send")
lab.record("policy_bypassed", bool(answer and answer.startswith("Hello")))

# %% [markdown]
# Sur le moteur host, le client a obtenu sa réponse : la politique est
# enregistrée, et ignorée. C'est l'état réel de beaucoup de petits clusters,
# et la raison de tester une politique (comme nous venons de le faire)
# plutôt que de se fier à son YAML.

# %% [markdown]
# ## Sauvegarder etcd, et prouver la sauvegarde
#
# L'autre question que les administrateurs posent en premier : *comment
# sauvegarder le cluster ?* Tout ce que stocke le serveur d'API, chaque objet
# de chaque namespace, vit dans **etcd**. La sauvegarde du cluster est donc
# un instantané (snapshot) d'etcd : `etcdctl snapshot save FILE` demande à
# l'etcd en marche une copie cohérente de sa base, à un instant donné. Deux
# choses à savoir avant d'en conserver un :
#
# - le fichier contient les **Secrets**, en clair si le chiffrement au repos
#   n'est pas activé (notebook 08) : protégez-le comme le mot de passe root
#   du cluster ;
# - etcd ne répond qu'aux clients munis d'un certificat signé par sa propre
#   autorité de certification. Sur les moteurs du lab (kwok et host), c'est
#   le certificat qu'utilise le serveur d'API, rangé dans le dossier d'état
#   du lab ; sur kind (les réglages par défaut de kubeadm), il se trouve dans
#   `/etc/kubernetes/pki/etcd/` sur le nœud du plan de contrôle (control
#   plane), sur minikube dans `/var/lib/minikube/certs/etcd/`, et vous y
#   lancez les mêmes commandes dans le pod etcd.
#
# `lab.etcdctl(...)` lance le vrai etcdctl du lab avec ces options et
# affiche d'abord la ligne de commande complète : vous pouvez la taper telle
# quelle dans un terminal. Seule une restauration prouve une sauvegarde :
# nous la restaurons donc aussi, à côté du lab (jamais par-dessus), et
# regardons dedans.

# %%
import tempfile
from pathlib import Path

embedded = engine in ("kwok", "host")  # etcd démarré par k8slab, sur 127.0.0.1
backup_dir = Path(tempfile.mkdtemp(prefix=f"{namespace}-backup-"))
snapshot = backup_dir / "cluster.db"
lab.apply({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "precious", "namespace": namespace},
           "data": {"note": "written before the backup"}}, namespace)
if embedded:
    lab.etcdctl("snapshot", "save", str(snapshot))
    status = lab.etcdutl("snapshot", "status", str(snapshot), "-w", "json")
    print("keys in the snapshot:", json.loads(status)["totalKey"])
else:
    print(f"{engine}: etcd is a static pod here; see the text above for the commands")

# %% [markdown]
# Vient maintenant l'accident : quelqu'un supprime la ConfigMap. Le cluster
# en service n'en garde aucune trace ; l'instantané, pris un instant plus
# tôt, l'a encore.

# %%
# %kubectl delete configmap precious -n {namespace}

# %%
live = lab.exists("ConfigMap", "precious", namespace)
key = f"/registry/configmaps/{namespace}/precious"  # son nom dans etcd, donné par le serveur d'API
in_backup = None
if embedded:
    with lab.restored_etcd(snapshot, backup_dir / "restored") as restored:
        in_backup = lab.etcdctl_to(restored, "get", key, "--keys-only").strip() == key
print("in the live cluster:", live, "· in the restored backup:", in_backup)
lab.record("etcd_backup", {"live": live, "in_backup": in_backup})

# %% [markdown]
# L'etcd restauré a tourné sur ses propres ports, depuis son propre dossier,
# et s'est arrêté à la fin du bloc `with` ; l'etcd du lab ne s'est jamais
# interrompu. La valeur associée à cette clé est l'objet dans l'encodage
# protobuf de Kubernetes, pas du YAML : etcd est le stockage privé du
# serveur d'API, et personne d'autre que lui ne devrait le lire.
#
# **Restaurer le cluster entier** à partir de l'instantané est une vraie
# interruption de service, avec sa procédure : arrêter tous les serveurs
# d'API, lancer `etcdutl snapshot restore FILE --data-dir NEW` sur chaque
# membre etcd, démarrer etcd sur les nouveaux dossiers, puis relancer les
# serveurs d'API. Tout revient à l'instant de l'instantané : les objets créés
# depuis disparaissent, les objets supprimés depuis réapparaissent. C'est
# pourquoi les équipes gardent aussi leurs manifestes dans git (notebook 13)
# et utilisent des outils de sauvegarde par namespace, comme Velero, pour
# une application isolée.

# %%
import shutil

shutil.rmtree(backup_dir, ignore_errors=True)  # tous les Secrets y sont : ne le laissez pas traîner

# %% [markdown]
# ## Résumé
#
# - Un **LimitRange** fixe des demandes et des limites par défaut et refuse
#   les conteneurs au-delà de son `max` ; un **ResourceQuota** plafonne le
#   nombre de pods d'un namespace et ses totaux de ressources. Le serveur
#   d'API applique les deux à la création des pods.
# - Quand le serveur d'API refuse les pods d'un contrôleur, la seule trace
#   est dans les événements `FailedCreate` du contrôleur :
#   `kubectl describe replicaset`.
# - Un **PodDisruptionBudget** limite les perturbations volontaires : une
#   éviction qui le violerait reçoit un 429, et `kubectl drain` réessaie
#   jusqu'à ce qu'elle passe.
# - Une **NetworkPolicy** est appliquée par le plugin réseau, pas par le
#   serveur d'API : kwok et le bridge du moteur host l'enregistrent et
#   l'ignorent.
# - La sauvegarde du cluster est un **instantané etcd**
#   (`etcdctl snapshot save`, avec le certificat client d'etcd) ; il contient
#   tous les Secrets, et seule une restauration le prouve
#   (`etcdutl snapshot restore`).
#
# ## Et ensuite ?
#
# Retournez au [sommaire du cours](../../README.md#the-course), ou montez
# votre propre cluster avec kind ou minikube et essayez `kubectl drain` sur
# un vrai nœud.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook et tout ce qu'il contient (le quota
# et la politique appartiennent au namespace : ils disparaissent avec lui).

# %%
lab.cleanup(namespace)
