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
# # 01 · Premiers pas
#
# Bienvenue dans k8slab ! Dans ce premier notebook, vous vérifiez que votre
# environnement fonctionne, vous faites connaissance avec le cluster de
# travaux pratiques qui vous servira tout au long du cours, et vous apprenez à
# le remettre à zéro quand une expérience tourne mal. Aucune connaissance de
# Kubernetes n'est nécessaire pour l'instant : à la fin, vous aurez listé les
# machines d'un cluster et lancé votre première charge de travail.
#
# Le cours existe aussi en anglais, avec le même code, un dossier plus haut :
# [l'édition anglaise](../01-getting-started.ipynb) (`k8slab lab --lang en`).

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Vérifier que Python, la bibliothèque `k8slab` et le cluster de TP sont prêts.
# 2. Lire l'identité du cluster : son API server, sa version, ses nœuds.
# 3. Regarder ce qui tourne dans le namespace (espace de noms) `kube-system`, et pourquoi cela varie d'un cluster à l'autre.
# 4. Créer vos premiers objets, puis apprendre à faire le ménage et à remettre le cluster à zéro.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | Un terminal et `./run lab` | Nécessaire | Le démarrage rapide du README lance le cluster et ce JupyterLab |
# | Des bases de Python (appeler des fonctions) | Utile | Chaque cellule contient un ou deux appels à la bibliothèque `k8slab` |
# | Les conteneurs, dans les grandes lignes | Utile | La première partie des diapositives les présente |
#
# **Temps d'apprentissage** : 20 minutes
#
# Ce notebook ne suppose rien d'autre : c'est ici que le cours commence.

# %% [markdown]
# ## Paramètres
#
# Chaque notebook travaille dans son propre namespace, dont le nom est donné
# dans la cellule suivante. Quand le cours est exécuté automatiquement (par la
# suite de tests), cette cellule est remplacée : c'est pourquoi elle est
# isolée.

# %% tags=["parameters"]
import os  # namespace : le vôtre sur un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb01-getting-started")

# %% [markdown]
# ## Tout est-il prêt ?
#
# La bibliothèque `k8slab` (importée sous le nom `lab`) enveloppe le client
# Python officiel de Kubernetes. La cellule suivante l'importe et demande au
# cluster qui il est. Si elle se plaint qu'aucun cluster ne tourne, ouvrez un
# terminal, lancez `k8slab up`, puis exécutez de nouveau la cellule.

# %% tags=["setup"]
import platform

import k8slab as lab

print("Python", platform.python_version(), "· k8slab", lab.__version__)
info = lab.status()
info

# %% [markdown]
# Quelques mots sur ce que vous venez de lire :
#
# - **engine** (le moteur) indique comment ce cluster a été fabriqué. C'est
#   important, car cela décide de ce qui est réel dans ce cours (voir le
#   tableau ci-dessous).
# - **server** est l'adresse de l'*API server* (le serveur d'API). Tout, dans
#   Kubernetes, passe par lui : votre notebook, l'outil en ligne de commande
#   `kubectl`, et les composants du cluster eux-mêmes.
# - **server_version** est la version de Kubernetes de cet API server.
# - **nodes** liste les machines du cluster ; `simulated` indique si c'est
#   KWOK qui joue le rôle du nœud.
#
# | engine | plan de contrôle (control plane) | nœuds | conteneurs |
# | --- | --- | --- | --- |
# | `kwok` (par défaut) | de vrais programmes sur cette machine | des nœuds *simulés*, 2 par défaut ([KWOK](https://kwok.sigs.k8s.io/)) | aucun : KWOK marque les pods Running ; les logs, `exec` et les réponses web sont simulés, et le disent |
# | `host` | les mêmes vrais programmes | 1 vrai nœud : cette machine | de vrais conteneurs, lancés par un kubelet avec containerd et runc |
# | `kind`, `minikube` | des pods statiques sur le nœud du plan de contrôle | de vrais nœuds, dans des conteneurs Docker ou des VM | réels |
#
# La cellule suivante vous dit en une phrase dans quel cas vous êtes. Chaque
# fois qu'un notebook montre quelque chose que seul un vrai conteneur peut
# produire (un log, la sortie d'une commande, une page web), il vous précise
# si cela vient d'un vrai conteneur ou de la simulation de KWOK.

# %%
ENGINES = {
    "kwok": "the embedded lab cluster: a real control plane on this machine, and nodes "
            "simulated by KWOK. Pods are scheduled for real, but no container runs.",
    "host": "the host engine: a real control plane and one real node, this machine. "
            "Its kubelet really starts your containers (containerd and runc).",
    "kind": "kind: every node is a Docker container, and your containers really run in them.",
    "minikube": "minikube: real nodes, real containers.",
    "existing": "a cluster you already had (k8slab did not create it).",
    "workshop": "your instructor's workshop cluster.",
}
simulated_nodes = [node["name"] for node in info["nodes"] if node.get("simulated")]
print("You are on", ENGINES.get(info["engine"], f"a cluster you named ({info['engine']})."))
print("Simulated nodes:", ", ".join(simulated_nodes) or "none: every pod really runs")
lab.record("engine", info["engine"])
lab.record("server_version", info["server_version"])

# %% [markdown]
# ## Deux vues de chaque appel
#
# Sous chaque cellule qui parle au cluster, une ligne grise montre deux
# choses : la commande `kubectl` qui fait la même chose depuis un terminal, et
# la requête HTTP envoyée à l'API server. Kubernetes *est* cette API HTTP ;
# `kubectl` et cette bibliothèque en sont deux clients. Si ces lignes vous
# gênent, `lab.show_commands(False)` les masque.
#
# Un mot sur la langue : ce que la bibliothèque affiche (tableaux, lignes
# `kubectl`, messages d'erreur) et ce que dit Kubernetes (événements, raisons)
# reste en anglais, comme avec `kubectl` lui-même. Les cartes des exercices,
# elles, parlent français dans cette édition : `lab.check` sait que ce notebook
# est rangé dans `notebooks/fr/`. Pour choisir une autre langue le temps d'une
# session, `lab.language("en")` ; `lab.language(None)` revient à celle du notebook.
#
# Préparons le namespace de ce notebook (une sorte de dossier pour les
# objets ; le notebook 03 leur est entièrement consacré). `lab.setup` le crée
# à neuf, en supprimant les restes d'une exécution précédente.

# %%
lab.setup(namespace)

# %% [markdown]
# ## Les nœuds : les machines du cluster
#
# Un cluster est un ensemble de machines, appelées **nœuds** (nodes), qui font
# tourner vos charges de travail. `lab.table` renvoie un tableau
# [pandas](https://pandas.pydata.org/), comme `kubectl get` le fait dans un
# terminal.

# %%
nodes = lab.table("Node")
nodes

# %% [markdown]
# La même question, en ligne de commande. Une cellule qui commence par
# `%kubectl` exécute le vrai `kubectl` (la copie propre au lab, qui ne parle
# qu'au cluster de TP, jamais à un cluster de votre `~/.kube/config`) et
# affiche ce qu'il écrit, exactement comme le ferait un terminal. L'option
# `-o wide` ajoute des colonnes :

# %%
# %kubectl get nodes -o wide

# %% [markdown]
# Chaque nœud indique s'il est `Ready`, combien de CPU et de mémoire il offre
# aux charges de travail (`cpu`, `memory`), combien de pods il accepte, et la
# version de son agent, le **kubelet** (`version`). Ce que vous voyez dépend
# du moteur :
#
# - **kwok** : deux nœuds (sauf si vous en avez demandé davantage avec
#   `k8slab up --nodes`), `worker-1` et `worker-2`. Ils sont simulés, et leur
#   `version` le dit (`kwok-...`) ; leur CPU et leur mémoire sont des
#   chiffres annoncés par KWOK, pas du vrai matériel.
# - **host** : un seul nœud, qui porte le nom de cette machine. Sa `version`
#   est celle du vrai kubelet (la même version de Kubernetes que l'API
#   server), et son CPU et sa mémoire sont ceux de cette machine.
# - **kind**, **minikube** : un nœud par conteneur ou par VM, avec de vrais
#   kubelets.

# %%
ready = int((nodes["status"] == "Ready").sum())
kubelets = sorted(set(nodes["version"]))
lab.record("nodes", len(nodes))
lab.record("ready_nodes", ready)
lab.record("node_names", sorted(nodes["name"]))
lab.record("kubelet_versions", kubelets)
lab.record("simulated_nodes", len(simulated_nodes))
print(f"{ready} of {len(nodes)} nodes are Ready; kubelet version(s): {', '.join(kubelets)}")
print(f"{len(simulated_nodes)} of them simulated by KWOK")

# %% [markdown]
# ## Que trouve-t-on dans `kube-system` ?
#
# Kubernetes range sa propre machinerie dans un namespace appelé
# `kube-system`. Sur kind ou minikube, vous y trouvez des pods : l'API server,
# etcd, le scheduler (ordonnanceur), le gestionnaire de contrôleurs (controller
# manager), CoreDNS... qui
# tournent tous dans des conteneurs.
#
# Avec les moteurs kwok et host, ces mêmes programmes tournent comme de
# simples processus sur cette machine, lancés par `k8slab up` : `kube-system`
# ne contient donc aucun pod. (Le moteur host fait aussi tourner les
# programmes de son nœud comme des processus : le kubelet, kube-proxy,
# containerd et CoreDNS, le serveur DNS du cluster.) Leurs traces restent
# pourtant visibles : le controller manager et le scheduler prennent chacun
# un **Lease**, un verrou qui dit « c'est moi qui suis actif », pour qu'une
# seule copie agisse à la fois ; chaque API server tient aussi un Lease
# (`apiserver-...`), non pas un verrou mais un battement de cœur qui dit
# « cette instance est en vie ».

# %%
system_pods = lab.table("Pod", "kube-system")
lab.record("system_pods", len(system_pods))
print(f"{len(system_pods)} pods in kube-system")
system_pods

# %%
leases = lab.table("Lease", "kube-system")
lab.record("system_leases", sorted(leases["name"]))
leases

# %% [markdown]
# Vous devriez voir `kube-controller-manager` et `kube-scheduler` parmi les
# Leases : ce sont les deux composants du plan de contrôle que le notebook 02
# examine de près. Avec kubectl (`-n` désigne le namespace) :

# %%
# %kubectl get leases -n kube-system

# %% [markdown]
# ## Vos premiers objets
#
# Les objets sont des enregistrements stockés par l'API server : vous décrivez
# ce que vous voulez, et Kubernetes le réalise. En voici un tout petit, une
# **ConfigMap**, qui contient de la configuration sous forme de paires
# clé-valeur. `lab.apply` l'envoie au cluster ; la fonction accepte un
# fichier, un texte YAML ou un dictionnaire Python.

# %%
lab.apply("""
apiVersion: v1
kind: ConfigMap
metadata:
  name: welcome
data:
  course: k8slab
""", namespace)
lab.get("ConfigMap", "welcome", namespace)["data"]

# %% [markdown]
# kubectl fait la même chose avec une cellule qui commence par
# `%%kubectl apply -n {namespace} -f -` : le reste de la cellule est transmis
# à kubectl comme fichier `-` (son entrée standard), et `{namespace}` est
# remplacé par le namespace de ce notebook. Voici une deuxième ConfigMap,
# `visitors`, créée de cette façon. Ensuite, `kubectl get ... -o yaml` la
# montre telle que l'API server l'a stockée : vos lignes, plus ce qu'il a
# ajouté (`uid`, `resourceVersion`, `creationTimestamp`...).

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: visitors
data:
  course: k8slab
  tool: kubectl

# %%
# %kubectl get configmap visitors -n {namespace} -o yaml

# %% [markdown]
# ### Exercice 1 : enregistrer un message de bienvenue
#
# Créez dans votre namespace une ConfigMap appelée `hello`, avec une seule
# clé, `greeting`, dont la valeur est `hello, kubernetes`. Écrivez son YAML :
# copiez la cellule `%%kubectl apply` ci-dessus dans la cellule vide
# ci-dessous et modifiez-la (une valeur qui contient une virgule se met plus
# sûrement entre guillemets). Exécutez ensuite la vérification placée
# en dessous (identifiant de l'exercice : `01.configmap`).
# La solution est cachée dans la cellule qui suit la vérification : cliquez
# sur ses « ... » pour l'afficher.

# %%
# Votre code ici

# %%
lab.check("01.configmap", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: hello
data:
  greeting: "hello, kubernetes"

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("01.configmap", namespace)

# %% [markdown]
# ### Exercice 2 : lancer votre premier pod
#
# Un **pod** fait tourner un ou plusieurs conteneurs. Le fichier
# `manifests/01-getting-started-pod.yaml` en décrit un, appelé `first`.
# Appliquez-le dans votre namespace et attendez qu'il tourne :
# `lab.wait("Pod", "first", namespace)` le suit jusqu'à ce qu'il soit Ready.
# Exécutez ensuite la vérification (identifiant de l'exercice :
# `01.first-pod`). Le notebook 04 explique chaque ligne de ce fichier. (Avec
# kubectl : `%kubectl apply -f FILE -n {namespace}`, puis
# `%kubectl wait pod/first --for=condition=Ready -n {namespace}`.)

# %%
# Votre code ici

# %%
lab.check("01.first-pod", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/01-getting-started-pod.yaml"))
lab.apply("manifests/01-getting-started-pod.yaml", namespace)
lab.wait("Pod", "first", namespace)
lab.check("01.first-pod", namespace)

# %% [markdown]
# Quel que soit le chemin que vous avez pris, voici les pods de votre
# namespace :

# %%
pods = lab.table("Pod", namespace)
lab.record("pods", len(pods))
pods

# %% [markdown]
# ### Tourne-t-il vraiment ?
#
# Le pod `first` exécute `k8slab.local/web:1.0` : nginx (le paquet Debian,
# version 1.22.1), mis en image par k8slab, qui écoute sur le port 8080.
# Demandez-lui la page `/hello`. `lab.http_get` envoie la requête *à travers
# l'API server* (comme `kubectl port-forward`) : vous n'avez jamais besoin
# d'atteindre l'adresse du pod lui-même.
#
# Sur un vrai nœud (host, kind, minikube), c'est nginx qui répond, et sa
# réponse donne le nom du pod qui l'a servie. Sur kwok, aucun conteneur ne
# tourne : la réponse vient d'un petit serveur simulé, et elle le dit.

# %%
if lab.exists("Pod", "first", namespace):
    answer = lab.http_get("first", 8080, "/hello", namespace)
    lab.record("first_answer", answer.body)
    lab.record("first_answer_simulated", answer.simulated)
    print("HTTP", answer.status, "·", "SIMULATED by kwok" if answer.simulated else "a real nginx")
    print(answer.body)
else:
    print("There is no pod 'first' yet: do exercise 2 first, then run this cell again.")

# %% [markdown]
# ## Remettre le lab à zéro
#
# Les expériences tournent parfois mal ; c'est ainsi qu'on apprend. Voici
# trois niveaux de remise à zéro, du plus doux au plus radical :
#
# 1. **Un notebook** : réexécutez-le depuis le début. Sa cellule de mise en
#    place supprime son namespace et repart de zéro.
# 2. **Un namespace** : `lab.cleanup("name")` supprime un namespace et tout
#    ce qu'il contient, puis attend qu'il ait disparu.
# 3. **Tout le cluster** : dans un terminal, `k8slab down` puis `k8slab up`
#    vous donnent un cluster tout neuf en quelques secondes.
#
# k8slab refuse de supprimer quoi que ce soit sur un cluster qu'il n'a pas
# créé (par exemple un vrai cluster de votre université), sauf si vous
# l'autorisez explicitement.

# %% [markdown]
# ## Résumé
#
# - Le cluster de TP répond par un unique API server ; `lab.status()` montre
#   son moteur, son adresse, sa version et ses nœuds, et lesquels sont
#   simulés.
# - Les nœuds sont les machines qui font tourner les charges de travail ;
#   `lab.table("Node")` les liste. Sur kwok, ils sont simulés (aucun
#   conteneur ne tourne) ; avec le moteur host, l'unique nœud est cette
#   machine, et les conteneurs tournent réellement.
# - Les composants du plan de contrôle laissent des Leases dans
#   `kube-system` ; avec les moteurs kwok et host, ils tournent comme des
#   processus et non comme des pods.
# - `lab.apply` envoie des objets au cluster, et chaque appel affiche la
#   commande `kubectl` et la requête HTTP correspondantes.
#
# ## Et ensuite ?
#
# [02 · L'API et l'architecture](02-api-and-architecture.ipynb) ouvre le
# capot : quel composant fait quoi, et comment le cluster converge vers ce
# que vous déclarez.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook et tout ce qu'il contient.

# %%
lab.cleanup(namespace)
