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
# # 08 · La configuration
#
# Une seule image, de nombreux endroits : la même image de conteneur doit
# tourner sur votre portable, dans le cluster de test et en production, avec
# dans chacun un niveau de journalisation, une adresse de base de données et un
# mot de passe différents. Kubernetes range ces réglages dans deux sortes
# d'objets, les **ConfigMaps** pour les réglages ordinaires et les **Secrets**
# pour les réglages sensibles, et les transmet aux conteneurs sous forme de
# variables d'environnement ou de fichiers. Ce notebook suit un réglage depuis
# l'objet jusqu'au conteneur, le modifie, puis regarde qui a le droit de lire
# un Secret.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Ranger des réglages dans une ConfigMap et des identifiants dans un Secret.
# 2. Décoder un Secret, et comprendre pourquoi base64 n'est pas du chiffrement.
# 3. Les donner à un pod sous forme de variables d'environnement et de
#    fichiers, et voir ce que le pod reçoit.
# 4. Réparer un pod qui ne peut pas démarrer parce qu'une clé qu'il demande n'existe pas.
# 5. Modifier une ConfigMap : les fichiers suivent, les variables non, jusqu'au
#    redémarrage des pods.
# 6. Restreindre la lecture des Secrets avec RBAC : un ServiceAccount, un Role, un RoleBinding.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [04 · Les pods](04-pods.ipynb) | Nécessaire | Les conteneurs, la spécification d'un pod |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Un rollout remplace les pods quand leur modèle change |
# | [03 · Les namespaces](03-namespaces.ipynb) | Utile | Les Roles et les RoleBindings vivent dans un namespace (espace de noms) |
# | Variables d'environnement et fichiers | Utile | La façon habituelle dont un programme lit ses réglages |
#
# **Temps d'apprentissage** : 45 minutes
#
# Rien des notebooks précédents n'a besoin d'exister : la cellule de mise en
# place ci-dessous part d'un namespace vide, et ce notebook crée tout ce qu'il
# utilise.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre sur un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb08-configuration")
timeout = 60                      # secondes d'attente d'un rollout avant d'abandonner

# %% [markdown]
# ## Mise en place
#
# Ce notebook utilise quelques fonctions de plus de la bibliothèque :
# `lab.pod_view` et `lab.compare_views` (ce qu'un pod voit de sa
# configuration), ainsi que `lab.can_i` et `lab.as_user` (la vérification des
# droits, comme `kubectl auth can-i` et `kubectl --as`). Pour les commandes de
# tous les jours, vous tapez **kubectl** lui-même : une cellule qui commence
# par `%kubectl` lance le vrai kubectl du lab sur le cluster du lab et affiche
# ce qu'il imprime (`{namespace}` y est remplacé par le namespace de ce
# notebook).

# %% tags=["setup"]
import base64
import time

import k8slab as lab

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "containers really run here" if real_containers else
      "kwok simulates the nodes: no container runs, the library computes what one would see")

# %% [markdown]
# ## Les ConfigMaps : des réglages en paires clé-valeur
#
# Une ConfigMap associe des clés à du texte. Une valeur peut être un seul mot
# (`LOG_LEVEL: info`) ou un fichier entier (`app.properties`, écrit avec le
# bloc `|` de YAML). Les clés peuvent contenir des lettres, des chiffres, `-`,
# `_` et `.` ; la taille des valeurs est limitée par celle de l'objet (1 Mio
# en tout).

# %%
lab.manifest("manifests/08-configuration-configmap.yaml")

# %%
lab.apply("manifests/08-configuration-configmap.yaml", namespace)
config = lab.get("ConfigMap", "app-config", namespace)
lab.record("configmap_keys", sorted(config["data"]))
config["data"]

# %% [markdown]
# ## Les Secrets : base64 n'est pas du chiffrement
#
# Un Secret ressemble à une ConfigMap dont les valeurs seraient cachées. Notre
# manifeste les donne en clair sous `stringData`, une commodité en écriture
# seule ; le serveur d'API les fusionne dans `data`, et **affiche** `data`
# encodé en **base64**. Les valeurs d'un Secret sont des octets (un fichier de
# clé, un certificat), or JSON et YAML ne transportent que du texte : base64
# est la façon dont l'API écrit des octets sous forme de texte. Cela ne dit
# rien de la manière dont etcd les stocke.

# %%
lab.apply("manifests/08-configuration-secret.yaml", namespace)
secret = lab.get("Secret", "db-credentials", namespace)
secret["data"]

# %% [markdown]
# `kubectl get -o yaml` montre la même chose, telle qu'un administrateur la
# voit (`stringData` a disparu : ce n'était qu'une porte d'entrée) :

# %%
# %kubectl get secret db-credentials -n {namespace} -o yaml

# %% [markdown]
# base64 est un *encodage*, pas un chiffrement : il transforme n'importe quels
# octets (un certificat, un fichier de clé) en simples lettres, pour qu'ils
# tiennent dans du JSON et du YAML. Il ne faut aucune clé pour faire le chemin
# inverse :

# %%
decoded = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
lab.record("secret_stored", secret["data"]["password"])
lab.record("secret_decoded", decoded["password"])
decoded

# %% [markdown]
# Qu'est-ce qui rend donc un Secret secret ? Pas son format, mais la façon
# dont le cluster le traite :
#
# - **Qui peut le lire** : l'accès aux Secrets peut être accordé à part de
#   l'accès aux autres objets, avec RBAC (la dernière section de ce notebook).
#   Quiconque a le droit de faire `get` sur un Secret peut le lire, comme vous
#   venez de le faire.
# - **Où il est envoyé** : un kubelet ne lit que les Secrets des pods de son
#   nœud. Il écrit un **volume Secret** en mémoire (`tmpfs`), pas sur le
#   disque du nœud ; les sections suivantes montrent ce montage sur un vrai
#   nœud. Une valeur passée en variable d'environnement (`secretKeyRef`) est
#   une autre affaire : elle se trouve dans l'environnement du processus, que
#   l'environnement d'exécution des conteneurs (container runtime) enregistre
#   avec la définition du conteneur sur le disque du nœud (containerd la garde
#   dans sa base de métadonnées), et quiconque a le droit d'inspecter le
#   conteneur (`crictl inspect`) peut la lire.
# - **Comment il est stocké** : par défaut, le serveur d'API écrit les Secrets
#   dans etcd **en clair** : une copie des données d'etcd (ou de ses
#   sauvegardes) contient chaque mot de passe tel quel. Le *chiffrement au
#   repos* (encryption at rest) change cela : un fichier
#   `EncryptionConfiguration`, donné au serveur d'API avec
#   `--encryption-provider-config`, liste des fournisseurs pour la ressource
#   `secrets` : `kms` (version 2), qui garde la clé dans un service de gestion
#   de clés hors du cluster, est celui à choisir ; `secretbox` quand la clé
#   doit rester sur le nœud du plan de contrôle (`aescbc`, qu'on trouve dans
#   des guides plus anciens, n'est plus recommandé : le mode CBC est exposé
#   aux attaques par oracle de remplissage) ; le serveur d'API chiffre alors
#   chaque valeur avant
#   qu'etcd ne la voie et la déchiffre à la lecture, si bien que les clients ne
#   voient aucune différence. Le cluster du lab ne l'active pas.
#
# Ne versionnez jamais tel quel le manifeste d'un Secret dans Git : il suffit
# de décoder ses valeurs pour les lire. Des outils comme Sealed Secrets ou un
# coffre-fort externe existent pour cela.

# %% [markdown]
# ## Donner la configuration à un pod
#
# Un conteneur peut recevoir une ConfigMap ou un Secret de deux façons :
#
# - sous forme de **variables d'environnement** : une clé
#   (`valueFrom.configMapKeyRef`, `valueFrom.secretKeyRef`) ou toutes les clés
#   d'un coup (`envFrom`) ;
# - sous forme de **fichiers** : un volume `configMap` ou `secret` contient un
#   fichier par clé (ou seulement les clés listées sous `items`), monté là où
#   le programme les cherche.
#
# Notre Deployment utilise les deux, plus `fieldRef`, qui passe en variable un
# champ du pod lui-même (son nom).

# %%
lab.manifest("manifests/08-configuration-app.yaml")

# %%
lab.apply("manifests/08-configuration-app.yaml", namespace)
lab.wait("Deployment", "app", namespace, timeout=timeout)
pod_name = sorted(p["metadata"]["name"] for p in lab.list("Pod", namespace, labels="app=app"))[0]
pod_name

# %% [markdown]
# ## Ce que voit le pod
#
# Sur un nœud, le **kubelet** lit la ConfigMap et le Secret quand il démarre le
# conteneur, place les variables dans l'environnement du processus et écrit les
# fichiers dans les volumes. `lab.pod_view` calcule ce que fournit le kubelet,
# à partir de la spécification du pod et des objets qu'elle nomme, avec les
# règles du kubelet, et l'indique au-dessus de son tableau. La colonne
# `updates` dit *quand* chaque élément change. Cela fonctionne sur tous les
# moteurs ; la cellule suivante regarde ensuite depuis l'intérieur du
# conteneur, quand il y en a un.

# %%
started = lab.pod_view(pod_name, namespace)
lab.record("env_at_start", started.env())
lab.record("files_at_start", sorted(started.files()))
started

# %% [markdown]
# ### Regarder depuis l'intérieur du conteneur
#
# Sur un moteur avec de vrais conteneurs (le moteur host, kind, minikube),
# `lab.exec` (`kubectl exec`) lance des commandes dans le conteneur : `env`
# liste ses variables, `ls` les fichiers des deux volumes, et `/proc/mounts`
# dit de quelle sorte est chaque volume. Sur kwok, il n'y a pas de conteneur :
# `exec` s'exécuterait sur la machine du lab, dans un bac à sable qui n'a rien
# de tout cela, alors la cellule le dit plutôt que de le faire.

# %%
if real_containers:
    print(lab.exec(pod_name, "env | grep -E '^(LOG_LEVEL|DB_USER|POD_NAME)='", namespace))
    print(lab.exec(pod_name, "ls /etc/app /etc/db", namespace))
    mounts = lab.exec(pod_name, "grep -E ' /etc/(app|db) ' /proc/mounts", namespace)
    print(mounts)
    inside_env = lab.exec(pod_name, "env", namespace).splitlines()
    lab.record("env_inside", {k: v for k, _, v in (line.partition("=") for line in inside_env)
                              if k in ("LOG_LEVEL", "DB_USER", "POD_NAME")})
    lab.record("mount_types", {line.split()[1]: line.split()[2] for line in mounts.splitlines()})
else:
    print(f"{engine}: no container to look into; the table above is what a kubelet would give.")

# %% [markdown]
# - Les variables : `LOG_LEVEL` vient de la ConfigMap, `DB_USER` du Secret,
#   déjà décodé, et `POD_NAME` des métadonnées du pod lui-même.
# - Les fichiers : seules les deux clés listées sous `items` apparaissent dans
#   `/etc/app` (`LOG_LEVEL` sous le nom de fichier `log-level`) ; chaque clé du
#   Secret apparaît dans `/etc/db`, lisible par son seul propriétaire
#   (`defaultMode: 0400`).
# - Sur un vrai nœud, `/etc/db` est un `tmpfs` (en mémoire) et `/etc/app` un
#   dossier du disque du nœud : les volumes Secret restent en mémoire, les
#   volumes ConfigMap non.
# - Des fichiers que nous n'avons pas demandés, dans
#   `/var/run/secrets/kubernetes.io/serviceaccount` : Kubernetes ajoute ce
#   volume à chaque pod. Il contient l'identité du pod pour parler au serveur
#   d'API (un jeton de son ServiceAccount, ici `default`), le certificat du
#   cluster et le namespace. La dernière section se sert de ces identités.
#
# Le kubelet applique encore une règle : si une ConfigMap, un Secret ou une
# clé dont un conteneur a besoin n'existe pas, le conteneur ne démarre pas tant
# qu'il n'est pas apparu, sauf si la référence indique `optional: true`. Une
# source de variable manquante se traduit par `CreateContainerConfigError`, une
# source de volume manquante laisse le pod en `ContainerCreating`. L'exercice 2
# ci-dessous rencontre le premier cas.

# %% [markdown]
# ### Exercice 1 : tout à la fois
#
# Écrivez le YAML d'un pod nommé `toolbox` (image `k8slab.local/busybox:1.35`,
# avec une `command` qui dort) qui reçoit **toutes les clés** de la ConfigMap
# `app-config` comme variables d'environnement (`envFrom` avec un
# `configMapRef`), et le Secret `db-credentials` sous forme de **fichiers**
# dans `/etc/db` (un volume `secret` et ses `volumeMounts`) : le Deployment
# ci-dessus contient toutes les pièces nécessaires. Appliquez-le (`lab.apply`
# accepte du texte YAML), attendez qu'il tourne, puis examinez-le avec
# `lab.pod_view("toolbox", namespace)` (et, avec de vrais conteneurs,
# `lab.exec("toolbox", "env; ls /etc/db", namespace)`). Identifiant de
# l'exercice : `08.toolbox`. La solution est cachée dans la cellule qui suit
# la vérification.

# %%
# Votre code ici

# %%
lab.check("08.toolbox", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/08-configuration-toolbox.yaml"))
lab.apply("manifests/08-configuration-toolbox.yaml", namespace)
lab.wait("Pod", "toolbox", namespace, timeout=timeout)
display(lab.pod_view("toolbox", namespace))
lab.check("08.toolbox", namespace)

# %% [markdown]
# ## Un pod qui ne peut pas démarrer
#
# Une collègue a écrit un petit Deployment `report` qui salue ses lecteurs avec
# le `GREETING` de `app-config`. Il a été accepté, le scheduler (ordonnanceur)
# a placé son pod sur un nœud... et ce pod ne tourne jamais :

# %%
lab.manifest("manifests/08-configuration-report.yaml")

# %%
lab.apply("manifests/08-configuration-report.yaml", namespace)


def report_waiting() -> dict[str, dict]:
    """Pod name -> the waiting state of its container, for the report's live pods."""
    return {p["metadata"]["name"]: w for p in lab.list("Pod", namespace, labels="app=report")
            if not p["metadata"].get("deletionTimestamp")
            for s in p["status"].get("containerStatuses") or []
            if (w := s["state"].get("waiting")) and w.get("reason") != "ContainerCreating"}


deadline = time.monotonic() + timeout
while not report_waiting():  # le kubelet donne la raison en une ou deux secondes
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The report's pod did not settle.", "Look at lab.events(namespace).")
    time.sleep(0.5)
# %kubectl get pods -n {namespace} -l app=report

# %% [markdown]
# La colonne `STATUS` affiche la raison pour laquelle le conteneur attend. Le
# pod est `Pending` : il a un nœud, mais son conteneur n'a jamais été créé.
# `kubectl describe` dit pourquoi, dans le `State` du conteneur et dans
# l'événement `Failed` du kubelet, tout en bas :

# %%
# %kubectl describe pod -n {namespace} -l app=report

# %% [markdown]
# Les deux mêmes informations, lues depuis l'API :

# %%
stuck = next(iter(report_waiting().values()))
print(stuck["reason"], "·", stuck.get("message"))
failed = lab.events(namespace)
failed = failed[(failed["reason"] == "Failed") & failed["object"].str.contains("report-")]
print(*sorted(set(failed["message"])), sep="\n")
lab.record("report_waiting_reason", stuck["reason"])
lab.record("report_waiting_message", stuck.get("message"))

# %% [markdown]
# Sur un vrai nœud, c'est le kubelet qui a écrit les deux ; sur kwok, kwok
# joue le même état et le même événement (son événement le précise), selon la
# clé que demande le pod. Le kubelet continue d'essayer : le conteneur démarre
# dès que la clé existe.
#
# ### Exercice 2 : faire démarrer `report`
#
# Lisez le message d'attente ci-dessus : quelle clé `report` demande-t-il à
# `app-config` ? Comparez-la avec les clés que la ConfigMap contient vraiment
# (`lab.get("ConfigMap", "app-config", namespace)["data"]`, ou
# `kubectl get configmap app-config -o yaml`). Corrigez le YAML du Deployment
# (partez de `lab.manifest("manifests/08-configuration-report.yaml")` ;
# regardez `configMapKeyRef`) et appliquez-le : le Deployment déploie un
# nouveau pod, et celui qui était bloqué disparaît. Attendez avec
# `lab.wait("Deployment", "report", namespace)`. (Ajouter la clé manquante à
# la ConfigMap ferait aussi démarrer le pod sur un vrai nœud, mais la faute de
# frappe est dans le Deployment, et kwok ne connaît que les clés de
# l'`app-config` du cours.) Identifiant de l'exercice : `08.config-key`. La
# solution est cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("08.config-key", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/08-configuration-report-fixed.yaml"))
lab.apply("manifests/08-configuration-report-fixed.yaml", namespace)
lab.wait("Deployment", "report", namespace, timeout=timeout)
lab.check("08.config-key", namespace)

# %%
report_pods = lab.list("Pod", namespace, labels="app=report")
lab.record("report_phases", sorted(p["status"].get("phase") for p in report_pods
                                   if not p["metadata"].get("deletionTimestamp")))
if real_containers and report_pods and not report_waiting():
    for _ in range(20):  # le shell affiche sa ligne dès qu'il démarre
        greeting = lab.logs("deployment/report", namespace).strip()
        if greeting:
            break
        time.sleep(0.5)
    lab.record("report_log", greeting)
    print(greeting)

# %% [markdown]
# ## Modifier une ConfigMap
#
# C'est l'heure du débogage : nous passons le niveau de journalisation à
# `debug` et activons une fonctionnalité.

# %%
lab.apply("manifests/08-configuration-configmap-v2.yaml", namespace)
now = lab.pod_view(pod_name, namespace)
now

# %% [markdown]
# Regardez la colonne `note`. La ConfigMap a changé après le démarrage du
# conteneur, et les deux sortes d'éléments ne réagissent pas de la même façon :
#
# - **Les variables ne changent pas.** Un processus reçoit son environnement au
#   démarrage ; rien ne peut le modifier de l'extérieur par la suite. Le
#   conteneur a toujours `LOG_LEVEL=info`, une valeur que l'API ne stocke plus,
#   d'où le `?`.
# - **Les fichiers, si.** Le kubelet remarque la nouvelle version et réécrit
#   les fichiers du volume, tous d'un coup (il remplace un lien symbolique),
#   en général en moins d'une minute. Un programme qui relit son fichier, ou
#   qui le surveille, prend le changement en compte sans redémarrer. Les
#   fichiers montés avec `subPath` font exception : ils ne sont jamais
#   rafraîchis.
#
# Avec de vrais conteneurs, nous pouvons le voir se produire : la cellule
# suivante lance dans le conteneur une petite boucle shell qui attend que le
# fichier contienne `debug`, puis affiche le fichier et la variable. (Le moteur
# host du lab demande à son kubelet de regarder toutes les 10 secondes ; la
# valeur par défaut habituelle est d'une minute.)

# %%
if real_containers:
    waited = lab.exec(pod_name, "for i in $(seq 120); do grep -qx debug /etc/app/log-level "
                      "&& break; sleep 1; done; echo file: $(cat /etc/app/log-level); "
                      "echo variable: $LOG_LEVEL", namespace)
    print(waited)
    lab.record("inside_after_change", waited.split())
else:
    print(f"{engine}: no container, so no kubelet rewrites any file; the view below "
          "computes what the container has once a kubelet has caught up.")

# %% [markdown]
# Nous avons gardé la vue prise au démarrage : nous pouvons donc reconstituer
# ce qu'a le conteneur en cours d'exécution une fois que le kubelet s'est mis à
# jour, sur n'importe quel moteur :

# %%
running = started.after_update(now)
lab.record("running_env_log_level", running.env()["LOG_LEVEL"])
lab.record("running_file_log_level", running.files()["/etc/app/log-level"])
lab.compare_views({"at start": started, "running container, after the change": running})

# %% [markdown]
# ## Redémarrer les pods pour qu'ils prennent les nouvelles variables
#
# De nouvelles variables demandent de nouveaux conteneurs. Supprimer les pods à
# la main fonctionnerait, mais tous d'un coup, avec une coupure de service. Un
# Deployment fait mieux quand son **modèle de pod** (pod template) change : il
# remplace les pods progressivement (notebook 05). L'astuce habituelle consiste
# à ne rien changer d'important, juste une annotation du modèle. C'est tout ce
# que fait `kubectl rollout restart` : il écrit l'heure courante dans
# l'annotation `kubectl.kubernetes.io/restartedAt` (`lab.restart` fait de même
# depuis Python).
#
# Deux autres habitudes évitent complètement l'étape manuelle : donner un nom à
# chaque version d'une ConfigMap (`app-config-v2`) et faire pointer le
# Deployment vers le nouveau nom, ou mettre une empreinte (hash) de la
# configuration dans une annotation du modèle (les charts Helm le font souvent,
# notebook 12). Dans les deux cas, un changement de configuration devient un
# changement de modèle, donc un rollout.

# %% [markdown]
# ### Exercice 3 : redémarrer l'application
#
# Faites en sorte que les pods du Deployment `app` voient `LOG_LEVEL=debug` dans
# leur environnement : redémarrez-les avec `kubectl rollout restart` (dans une
# cellule `%kubectl` : `%kubectl rollout restart deployment/app -n {namespace}`)
# et attendez la fin du rollout avec `kubectl rollout status` (ou
# `lab.wait("Deployment", "app", namespace)`).
# La vérification contrôle que chaque pod a démarré après la modification de la
# ConfigMap. Identifiant de l'exercice : `08.restart`. La solution est cachée
# dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("08.restart", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout restart deployment/app -n {namespace}
# %kubectl rollout status deployment/app -n {namespace} --timeout=60s
lab.check("08.restart", namespace)

# %% [markdown]
# Un pod de la nouvelle génération démarre avec la nouvelle valeur :

# %%
current = sorted(p["metadata"]["name"] for p in lab.list("Pod", namespace, labels="app=app")
                 if not p["metadata"].get("deletionTimestamp"))
after_restart = lab.pod_view(current[0], namespace)
lab.record("env_after_restart", after_restart.env()["LOG_LEVEL"])
if real_containers:
    fresh = lab.exec(current[0], "echo $LOG_LEVEL", namespace).strip()
    lab.record("env_inside_after_restart", fresh)
    print(f"inside {current[0]}: LOG_LEVEL={fresh}")
after_restart

# %% [markdown]
# ## Qui peut lire un Secret ? RBAC
#
# Chaque requête adressée au serveur d'API est faite par quelqu'un. Il vérifie
# d'abord **qui** vous êtes (*authentification* : un certificat, un jeton),
# puis si vous avez **le droit** de faire ce que vous demandez
# (*autorisation*). Dans la plupart des clusters, l'autorisation repose sur
# **RBAC**, *role-based access control* (contrôle d'accès à base de rôles),
# fait de quatre sortes d'objets :
#
# - un **Role** liste des permissions dans un namespace : quels `verbs`
#   (`get`, `list`, `watch`, `create`, `update`, `delete`...) sur quelles
#   `resources` (`configmaps`, `secrets`...) de quels groupes d'API,
#   éventuellement pour certains noms d'objets seulement (`resourceNames`) ;
# - un **RoleBinding** accorde un Role à des *sujets* : des utilisateurs, des
#   groupes ou des ServiceAccounts ;
# - un **ClusterRole** et un **ClusterRoleBinding** font de même pour tout le
#   cluster.
#
# Les règles ne font jamais qu'*ajouter* des permissions ; il n'existe pas de
# règle « deny ». Ce qu'aucune règle n'autorise est refusé.
#
# Un **ServiceAccount** est une identité pour les programmes plutôt que pour
# les personnes. Chaque pod tourne sous l'un d'eux (`default`, sauf si sa
# spécification indique `serviceAccountName`) et reçoit un jeton pour parler à
# l'API en son nom. Notre manifeste crée un ServiceAccount `reader`, un Role
# qui peut lire les ConfigMaps, et le RoleBinding qui les relie. Le RoleBinding
# ne répète pas le namespace de son sujet : par défaut, c'est le sien.

# %%
lab.manifest("manifests/08-configuration-rbac.yaml")

# %%
lab.apply("manifests/08-configuration-rbac.yaml", namespace)
lab.get("Role", "configmap-reader", namespace)["rules"]

# %% [markdown]
# ### Interroger l'autorisation
#
# Les requêtes d'un ServiceAccount portent le nom d'utilisateur
# `system:serviceaccount:<namespace>:<name>`. Une **SubjectAccessReview**
# demande au serveur d'API si cet utilisateur a le droit de faire quelque
# chose, sans le faire ; la réponse nomme la liaison (binding) qui l'a permis.

# %%
reader = lab.service_account_user(namespace, "reader")
answers = {resource: lab.can_i("get", resource, namespace, user=reader)
           for resource in ("configmaps", "secrets")}
lab.record("reader_may_get", {resource: bool(answer) for resource, answer in answers.items()})
for answer in answers.values():
    print(answer)

# %% [markdown]
# `kubectl auth can-i` pose la même question depuis un terminal, `--as`
# nommant l'utilisateur (ici `{reader}`, la variable qui contient
# `system:serviceaccount:<namespace>:reader`). Il affiche `yes` ou `no`, et son code de sortie vaut 1 pour `no` (pratique
# dans les scripts) : la seconde cellule précise donc qu'elle s'attend à un échec :

# %%
# %kubectl auth can-i get configmaps -n {namespace} --as={reader}

# %%
# %kubectl --expect-fail auth can-i get secrets -n {namespace} --as={reader}

# %% [markdown]
# ### Essayer pour de vrai
#
# Les identifiants du lab sont ceux d'un administrateur, et un administrateur
# peut **emprunter l'identité** (impersonate) d'autres utilisateurs : chaque
# requête porte un en-tête `Impersonate-User`, et le serveur d'API la traite
# comme si elle venait de cet utilisateur. C'est ce que fait `kubectl --as=...`,
# et `lab.as_user` aussi, pour les appels `lab` à l'intérieur de son bloc. La
# lecture de la ConfigMap fonctionne :

# %%
with lab.as_user(reader):
    seen_by_reader = lab.get("ConfigMap", "app-config", namespace)
seen_by_reader["data"]["LOG_LEVEL"]

# %% [markdown]
# La lecture du Secret est refusée avec un HTTP **403 Forbidden** : le serveur
# d'API sait qui demande (sinon ce serait un 401) et refuse parce qu'aucune
# règle ne le permet.

# %%
refusal = None
try:
    with lab.as_user(reader):
        lab.get("Secret", "db-credentials", namespace)
except lab.ApiError as error:
    refusal = error
lab.record("secret_read_as_reader", refusal.status if refusal else 200)
refusal

# %% [markdown]
# ### Exercice 4 : un Secret, et aucun autre
#
# Le programme `reader` a besoin des identifiants de la base de données, mais
# d'aucun autre Secret du namespace. Écrivez le YAML d'un Role qui autorise
# `get` sur le seul Secret `db-credentials` (`resourceNames`), et celui d'un
# RoleBinding qui l'accorde au ServiceAccount `reader` : partez du manifeste
# affiché plus haut, et regardez ses `rules` et ses `subjects`. Appliquez-le,
# puis testez avec `kubectl auth can-i get secret/db-credentials --as=...` et
# avec un autre nom (ou `lab.can_i(..., name="db-credentials")`). Identifiant
# de l'exercice : `08.read-one-secret`. La solution est cachée dans la cellule
# qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("08.read-one-secret", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/08-configuration-secret-reader.yaml"))
lab.apply("manifests/08-configuration-secret-reader.yaml", namespace)
# %kubectl auth can-i get secret/db-credentials -n {namespace} --as={reader}
# %kubectl --expect-fail auth can-i get secret/some-other-secret -n {namespace} --as={reader}
lab.check("08.read-one-secret", namespace)

# %% [markdown]
# Une règle avec `resourceNames` n'autorise pas un simple `list` ou `watch`
# des Secrets, puisque cela les renverrait tous ; et une règle qui accorde
# `list` sur les Secrets, sans noms, livre tous les Secrets du namespace.

# %% [markdown]
# ## Résumé
#
# - Les ConfigMaps contiennent des réglages, les Secrets des identifiants ; ce
#   sont deux sortes d'objets clé-valeur, gardés hors de l'image.
# - L'API montre les valeurs d'un Secret en base64, ce qui ne protège de rien :
#   quiconque a le droit de faire `get` dessus peut les lire, et etcd les garde
#   en clair tant que le chiffrement au repos n'est pas configuré. Ce qui les
#   protège : RBAC, les volumes Secret en mémoire et le chiffrement au repos.
# - Les pods les reçoivent en variables (`env`, `envFrom`) ou en fichiers
#   (volumes). Une clé qui n'existe pas empêche le conteneur de démarrer
#   (`CreateContainerConfigError`) : le statut du pod et son événement `Failed`
#   nomment la clé.
#   Les fichiers suivent les modifications après un court délai ; les variables
#   sont fixées au démarrage du conteneur, il faut donc un rollout
#   (`kubectl rollout restart`).
# - RBAC accorde des verbes sur des ressources à des utilisateurs, des groupes
#   et des ServiceAccounts, par des Roles et des RoleBindings ; une
#   SubjectAccessReview ou l'emprunt d'identité permettent de les tester, et un
#   refus est un 403.
#
# ## Et ensuite ?
#
# [09 · Le stockage](09-storage.ipynb) donne aux pods des disques qui leur
# survivent : les volumes, les volumes persistants (PersistentVolumes) et les
# demandes de volume (PersistentVolumeClaims).
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook et tout ce qu'il contient (les Roles et
# les RoleBindings appartiennent au namespace, ils disparaissent donc avec lui).

# %%
lab.cleanup(namespace)
