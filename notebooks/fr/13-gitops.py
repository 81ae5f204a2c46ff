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
# # 13 · GitOps avec Flux
#
# Tout au long de ce cours, vous avez modifié le cluster en exécutant des
# cellules : appliquez ceci, mettez cela à l'échelle. Cela marche pour une
# personne et un notebook. Une équipe qui fait tourner de nombreuses
# applications dans plusieurs environnements a besoin de savoir, à tout
# moment, *ce qui devrait tourner et pourquoi*, et de pouvoir annuler une
# mauvaise modification en quelques secondes. **GitOps** répond par une seule
# règle : l'état souhaité du cluster vit dans un **dépôt git**, la source
# unique de vérité, et un agent fait correspondre le cluster à ce dépôt, en
# continu. Personne n'applique plus rien à la main : on fait des commits.
#
# Dans ce notebook, l'agent est **Flux**, un projet diplômé (graduated) de la
# CNCF : ses vrais `source-controller` et `kustomize-controller` tournent à
# côté du cluster du lab, récupèrent votre dépôt sur un serveur git, et
# l'appliquent.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Placer des manifestes dans un dépôt git, organisés en une base kustomize et deux overlays (dev, prod).
# 2. Transformer un overlay en objets Kubernetes ordinaires avec `kubectl kustomize`.
# 3. Démarrer Flux, pousser le dépôt sur un serveur git, et diriger Flux vers lui
#    avec deux objets : un `GitRepository` et une `Kustomization`.
# 4. Voir Flux détecter et corriger une **dérive** (drift), une modification faite à la main dans le cluster.
# 5. Déployer une modification en la committant, et revenir en arrière avec `git revert`.
# 6. Retirer un objet par git et voir Flux l'**élaguer** (prune).
# 7. Situer GitOps parmi les outils : Flux, Argo CD, et Helm (notebook 12).

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Réplicas, rollouts, ReplicaSets |
# | [11 · Étendre Kubernetes](11-extending.ipynb) | Utile | Flux est un ensemble de contrôleurs qui réconcilient des ressources personnalisées |
# | [12 · Helm](12-helm.ipynb) | Utile | La comparaison de la fin |
# | git : commit, log, revert, push | Utile | Chaque commande git est affichée au moment où elle s'exécute |
#
# **Temps d'apprentissage** : 45 minutes (la toute première exécution compile
# aussi les deux contrôleurs de Flux à partir des sources : quelques minutes,
# une seule fois ; ils sont ensuite gardés en cache).
#
# Ce notebook a besoin d'un namespace (espace de noms) vide (la mise en place
# ci-dessous le crée à neuf) et du programme `git`. Votre copie de travail du
# dépôt est créée dans un dossier temporaire et supprimée à la fin.
#
# **Sur le moteur kwok**, Flux est aussi réel que sur n'importe quel autre :
# les contrôleurs clonent, construisent et appliquent pour de vrai, et chaque
# objet qu'ils créent est un vrai objet de l'API. Seuls les pods sont simulés
# par kwok (aucun conteneur ne tourne), et le notebook le signale là où cela
# compte.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre en atelier (K8SLAB_NAMESPACE), sinon celui de ce notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb13-gitops")
interval = "10s"              # à quelle fréquence Flux lit git et corrige la dérive
timeout = 120                 # secondes d'attente pour Flux ou un rollout

# %% [markdown]
# ## Mise en place

# %% tags=["setup"]
import yaml

import k8slab as lab
from k8slab import gitops

gitops.release(namespace)   # les objets Flux d'une exécution interrompue ne doivent pas bloquer
lab.setup(namespace)

# %% [markdown]
# ## Un dépôt de manifestes
#
# Le dossier `manifests/13-gitops/` contient l'application, organisée comme le
# veut kustomize :
#
# ```
# base/                       ce que tous les environnements partagent
#   kustomization.yaml        liste les fichiers, ajoute un label, génère une ConfigMap
#   deployment.yaml           le Deployment "web"
#   service.yaml              le Service "web"
# overlays/dev/               la base + 1 réplica + une ConfigMap "debug"
#   kustomization.yaml
#   debug-configmap.yaml
# overlays/prod/              la base + 3 réplicas + des demandes de ressources plus grandes
#   kustomization.yaml
#   resources-patch.yaml
# ```
#
# Faisons-en un vrai dépôt git : `git init` dans un dossier temporaire tout
# neuf, copie des fichiers, commit.

# %%
repo = gitops.GitRepo.create(prefix=f"{namespace}-")
lab.record("repo_path", str(repo.path))
repo.add_tree("13-gitops")

# %%
first = repo.commit("Add the web application: a base and two overlays")
repo.log()

# %% [markdown]
# Un overlay ne recopie pas la base : il y *fait référence* et n'indique que
# ce qui diffère. Voici l'overlay de dev :

# %%
print(repo.read("overlays/dev/kustomization.yaml"))

# %% [markdown]
# - `resources` inclut la base et ajoute un fichier qui lui est propre ;
# - `replicas` et `images` remplacent le nombre de réplicas et l'étiquette
#   (tag) de l'image sans toucher à `deployment.yaml` ;
# - `configMapGenerator` avec `behavior: merge` modifie une valeur de la
#   ConfigMap que génère la base.

# %% [markdown]
# ## Le rendu d'un overlay
#
# kustomize transforme un overlay en objets ordinaires. Il est intégré à
# `kubectl` (`kubectl kustomize DIR` les affiche, `kubectl apply -k DIR` les
# applique), et fonctionne hors ligne : aucun serveur n'intervient. Le
# kustomize-controller de Flux embarque le même kustomize ; `gitops.render`
# lance le kubectl du lab, pour que vous puissiez voir ce que devient un
# overlay avant de le committer :

# %%
dev = gitops.render(repo.path / "overlays" / "dev")
prod = gitops.render(repo.path / "overlays" / "prod")
lab.record("dev_objects", sorted(gitops.key(o) for o in dev))
gitops.summary(dev)

# %%
lab.record("prod_replicas", next(o["spec"]["replicas"] for o in prod if o["kind"] == "Deployment"))
gitops.summary(prod)

# %% [markdown]
# Une même application, deux environnements, aucun copier-coller. Remarquez le
# nom de la ConfigMap : `web-config-` suivi d'une empreinte (hash) de son
# contenu. kustomize réécrit la référence que le Deployment y fait, si bien
# que modifier un réglage donne un nouveau nom, ce qui change le modèle de pod
# (pod template), ce qui pousse le Deployment à déployer de nouveaux pods.

# %% [markdown]
# ## Démarrer Flux
#
# Flux est un ensemble de contrôleurs. Cette leçon a besoin de deux d'entre
# eux :
#
# - le **source-controller** surveille les objets `GitRepository` : il clone
#   le dépôt, et enregistre chaque nouveau commit comme un *artefact* (une
#   archive tar qu'il sert en HTTP aux autres contrôleurs) ;
# - le **kustomize-controller** surveille les objets `Kustomization` : il
#   télécharge l'artefact, lance kustomize sur un de ses dossiers, applique le
#   résultat par **server-side apply** (gestionnaire de champs, ou field manager,
#   `kustomize-controller`), élague ce qui a quitté git, et recommence le tout
#   à chaque `interval`, ce qui corrige la dérive.
#
# Dans un vrai cluster, `flux install` les fait tourner comme des pods dans
# `flux-system`. Ici, ils tournent comme des processus de cette machine, à côté
# du serveur d'API du lab (ils ne parlent jamais qu'au serveur d'API et à git),
# en ne surveillant que le namespace de ce notebook, avec un petit serveur
# git : le propre `git http-backend` de git sur 127.0.0.1, qui joue le rôle de
# GitHub. Un seul appel démarre les trois (`k8slab flux start NAMESPACE` en
# ligne de commande) et installe les CustomResourceDefinitions de Flux :

# %%
flux = gitops.start_flux(namespace)
lab.record("flux_versions", flux.versions)
flux

# %% [markdown]
# Poussez votre dépôt sur le serveur git. À partir de maintenant, c'est **le
# serveur** qui est la source de vérité : Flux ne voit jamais votre copie de
# travail, seulement ce que vous poussez.

# %%
url = flux.new_remote("course")
repo.push(url)
print(url)

# %% [markdown]
# ## Diriger Flux vers le dépôt
#
# Deux objets disent à Flux quoi faire. Un `GitRepository` dit *où* se
# trouvent les manifestes, et à quelle fréquence chercher de nouveaux commits :

# %%
source = gitops.git_repository(url, interval=interval)
print(yaml.safe_dump(source, sort_keys=False))
lab.apply(source, namespace)

# %% [markdown]
# Une `Kustomization` (l'objet de Flux, à ne pas confondre avec le fichier
# `kustomization.yaml` de kustomize) dit *quel dossier* construire à partir de
# cette source, dans *quel namespace*, à quelle fréquence réconcilier, et s'il
# faut élaguer :

# %%
app = gitops.kustomization("./overlays/dev", namespace, interval=interval)
print(yaml.safe_dump(app, sort_keys=False))
lab.apply(app, namespace)

# %% [markdown]
# Attendez maintenant que Flux ait appliqué votre premier commit. `flux get`
# montre les deux objets, avec la révision atteinte par chacun (`main@sha1:`
# suivi de l'identifiant du commit) :

# %%
applied = gitops.wait_applied(namespace, first, timeout=timeout)
gitops.sources(namespace)

# %%
gitops.kustomizations(namespace)

# %% [markdown]
# Qu'est-ce que Flux a appliqué ? Il en tient la liste dans le
# `status.inventory` de la Kustomization : exactement ce qu'il élaguera quand
# cela quittera git.

# %%
lab.record("first_sync", {"revision": applied["status"]["lastAppliedRevision"],
                          "inventory": gitops.inventory_of(applied)})
gitops.inventory(namespace)

# %%
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Deployment", namespace)

# %% [markdown]
# Le namespace contient maintenant exactement ce que décrit `overlays/dev`.
# Personne n'a lancé `kubectl apply` sur l'application : vous avez poussé,
# Flux a fait le reste. Les `managedFields` du Deployment disent qui a fixé
# son nombre de réplicas :

# %%
web_owner = gitops.owner("Deployment", "web", namespace, "spec", "replicas")
lab.record("web_owner", web_owner)
print("spec.replicas is owned by:", web_owner)

# %% [markdown]
# ## La dérive : une modification faite à la main
#
# Un collègue pressé met le Deployment à l'échelle à la main, l'équivalent de
# `kubectl scale deployment web --replicas=4` :

# %%
by_hand = lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                     "spec": {"replicas": 4}}, namespace)[0]
drift_owner = gitops.owner("Deployment", "web", namespace, "spec", "replicas")
lab.record("drift_owner", drift_owner)
print("replicas wanted now:", by_hand["spec"]["replicas"], "· spec.replicas owned by:", drift_owner)

# %% [markdown]
# Le cluster ne correspond plus au dépôt : c'est la **dérive**. Personne ne
# prévient Flux. À son passage suivant (au plus tard `interval` après), le
# kustomize-controller applique de nouveau la version de git, et le
# server-side apply rend le champ à git. Surveillez le Deployment jusqu'à ce
# que cela se produise :

# %%
healed = lab.wait("Deployment", "web", namespace, timeout=timeout,
                  until=lambda d: (d["spec"]["replicas"] == 1,
                                   f"spec.replicas is {d['spec']['replicas']}"))
healed_owner = gitops.owner("Deployment", "web", namespace, "spec", "replicas")
lab.record("replicas_after_drift", healed["spec"]["replicas"])
lab.record("owner_after_drift", healed_owner)
print("replicas wanted now:", healed["spec"]["replicas"], "· spec.replicas owned by:", healed_owner)

# %% [markdown]
# Qu'a fait Flux, passage après passage ? Le kustomize-controller consigne
# chaque passage : la révision qu'il a appliquée et ce que cela a changé
# (`flux logs` affiche ces lignes ; `gitops.history` les lit dans le fichier
# de journal du contrôleur et garde les passages qui ont changé quelque
# chose). La dernière ligne est la dérive qu'il vient de corriger : même
# révision qu'avant, mais le Deployment a dû être configuré de nouveau.

# %%
passes = gitops.history(namespace)
lab.record("drift_pass", passes.iloc[-1].to_dict())
passes

# %% [markdown]
# Dans un monde GitOps, la modification faite à la main n'était pas
# *fausse* ; elle était faite au mauvais endroit. Flux corrige la dérive à
# chaque intervalle ; Argo CD, par défaut, se contente de la signaler (activez
# « self-heal » pour qu'il la corrige).

# %% [markdown]
# ### Exercice 1 : mettre à l'échelle par git
#
# Faites tourner **deux** réplicas dans l'environnement dev, à la manière
# GitOps : modifiez `overlays/dev/kustomization.yaml` dans votre copie de
# travail (remplacez `count: 1` par `count: 2` ; `repo.replace(file, old_text, new_text)`
# le fait, ou utilisez n'importe quel éditeur sur `repo.path`), committez avec
# `repo.commit("...")` et publiez avec `repo.push()`. Flux trouve le commit en
# moins d'un `interval` ; pour ne pas attendre, demandez un passage immédiat
# avec `gitops.reconcile(namespace)` (ce que fait un webhook de l'hébergeur
# git). Attendez ensuite avec `gitops.wait_applied(namespace, repo.head())`,
# puis le rollout avec `lab.wait`. Lancez la vérification (exercice
# `13.git-scale`). La solution est cachée dans la cellule qui suit la
# vérification.

# %%
# Votre code ici

# %%
lab.check("13.git-scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
repo.replace("overlays/dev/kustomization.yaml", "count: 1", "count: 2")
scaled = repo.commit("dev: run 2 replicas")
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, scaled, timeout=timeout)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.check("13.git-scale", namespace)

# %% [markdown]
# ## Déployer une modification
#
# Une nouvelle version de l'application est sortie : l'image
# `k8slab.local/web:2.0` (l'image nginx du cours, fabriquée par k8slab à
# partir du nginx 1.22.1 de Debian ; sa page affiche « web 2.0 »). Essayons-la
# en dev. La modification tient en une ligne dans git, et le message de commit
# dit pourquoi :

# %%
repo.replace("overlays/dev/kustomization.yaml", 'newTag: "1.0"', 'newTag: "2.0"')
bump = repo.commit("dev: try web 2.0")
print(repo.show(bump))

# %% [markdown]
# Poussez-la, demandez à Flux de regarder tout de suite, et attendez : le
# source-controller récupère le nouveau commit, le kustomize-controller
# l'applique, et le contrôleur de Deployment déploie de nouveaux pods.

# %%
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, bump, timeout=timeout)
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
image_after_bump = web["spec"]["template"]["spec"]["containers"][0]["image"]
lab.record("image_after_bump", image_after_bump)
gitops.kustomizations(namespace)

# %% [markdown]
# Quelle version répond maintenant ? Demandez sa page à un pod du Deployment,
# par le port-forward du serveur d'API (notebook 06) :

# %%
engine = lab.status()["engine"]
page = lab.http_get("deployment/web", 8080, "/", namespace)
lab.record("page_after_bump", {"engine": engine, "simulated": page.simulated,
                               "says_2": "web 2.0" in page.body})
print("engine:", engine, "· simulated answer:", page.simulated)
print(page.body)

# %% [markdown]
# Sur un moteur avec de vrais conteneurs (le moteur host, kind, minikube), la
# page vient de la nouvelle image : « web 2.0 ». Sur kwok, aucun conteneur ne
# tourne, et la réponse dit qu'elle est simulée : là, le nom de l'image dans
# le modèle de pod, que Flux a réellement appliqué, est la seule preuve
# disponible.

# %% [markdown]
# ## Revenir en arrière avec `git revert`
#
# Supposons que web 2.0 se comporte mal. Le retour arrière (rollback) est lui
# aussi une opération git : `git revert` crée un *nouveau* commit qui annule
# l'ancien. Rien n'est effacé de l'historique : le journal montre qui a changé
# quoi, quand, et qui l'a annulé.

# %%
undo = repo.revert(bump)
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, undo, timeout=timeout)
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("image_after_revert", web["spec"]["template"]["spec"]["containers"][0]["image"])
repo.log()

# %% [markdown]
# Retour à web 1.0, sans toucher au nombre de réplicas de votre exercice : le
# revert a annulé un commit, pas tout ce qui est venu après.

# %% [markdown]
# ### Exercice 2 : retirer un objet par git
#
# L'équipe ne veut plus de la ConfigMap `debug` en dev. La supprimer avec
# `lab.delete` ne durerait pas (essayez : Flux la remet à son passage suivant,
# puisque l'objet est toujours dans git). Retirez-la plutôt du dépôt :
# supprimez la ligne `- debug-configmap.yaml` de
# `overlays/dev/kustomization.yaml`, supprimez le fichier avec
# `repo.remove(...)`, committez, poussez, et attendez Flux. Il va **élaguer**
# la ConfigMap : elle figure dans l'inventaire de la dernière révision et pas
# dans celui de la nouvelle. Lancez la vérification (exercice `13.prune`) ; la
# solution est cachée juste après.

# %%
# Votre code ici

# %%
lab.check("13.prune", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
repo.replace("overlays/dev/kustomization.yaml", "- debug-configmap.yaml\n", "")
repo.remove("overlays/dev/debug-configmap.yaml")
cleaned = repo.commit("dev: drop the debug ConfigMap")
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, cleaned, timeout=timeout)
lab.check("13.prune", namespace)

# %% [markdown]
# L'inventaire ne mentionne plus la ConfigMap, et le journal de Flux raconte
# toute l'histoire de ce notebook : chaque révision appliquée, la dérive
# corrigée, l'objet élagué.

# %%
lab.record("inventory_after_prune", gitops.inventory_of(
    lab.get("Kustomization", gitops.APP, namespace)))
gitops.inventory(namespace)

# %%
history = gitops.history(namespace)
lab.record("history", [[r, c] for r, c in zip(history["reason"], history["changes"],
                                               strict=True)])
history

# %% [markdown]
# ## GitOps dans le monde réel
#
# Vous avez utilisé Flux lui-même, deux de ses contrôleurs, démarrés à la
# main. Dans un vrai cluster :
#
# - `flux bootstrap github ...` installe les contrôleurs comme des pods et
#   committe leurs propres manifestes dans le dépôt, si bien qu'un cluster neuf
#   ou reconstruit est dirigé vers le dépôt et converge tout seul vers la
#   plateforme complète ;
# - un webhook de l'hébergeur git (reçu par le notification-controller de
#   Flux) remplace les appels à `reconcile` que vous avez faits ; les
#   intervalles se comptent en minutes, pas en secondes ;
# - les objets `HelmRelease` (helm-controller) déploient des charts de la même
#   façon, et l'automatisation des images peut même committer pour vous les
#   nouvelles étiquettes d'image ;
# - **Argo CD** fait le même travail autour d'objets `Application`, avec une
#   interface web qui dessine l'arbre des objets en direct et sa dérive.
#
# Ce que vous y gagnez :
#
# - **une source unique de vérité**, déclarative, relue comme du code (pull
#   requests), avec l'historique complet de qui a changé quoi ;
# - **retour arrière** = `git revert` ; **audit** = `git log` ;
# - **aucun identifiant du cluster sur les portables ni dans la CI** : l'agent
#   dans le cluster tire les changements, personne ne pousse vers le serveur
#   d'API ;
# - **n'importe quel moteur de rendu** : YAML brut, kustomize, charts Helm.
#
# ### Et Helm ?
#
# | | Helm (notebook 12) | GitOps |
# | --- | --- | --- |
# | Ce que c'est | Un gestionnaire de paquets et un moteur de modèles | Une façon d'exploiter, mise en œuvre par un agent |
# | Qui applique | Une personne ou une tâche de CI lance `helm upgrade` | L'agent dans le cluster, en continu |
# | État souhaité | Chart + valeurs, historique des releases stocké dans le cluster | Le dépôt git |
# | Retour arrière | `helm rollback NAME REVISION` | `git revert` |
# | Dérive (une modification à la main) | Passe inaperçue jusqu'à la mise à jour suivante | Détectée et corrigée |
#
# Ce ne sont pas des rivaux : un dépôt GitOps *contient* souvent des releases
# Helm (le `HelmRelease` de Flux, une `Application` Argo CD qui pointe vers un
# chart), et l'agent fait le rendu du chart. Helm empaquette ; GitOps décide
# de ce qui est déployé où, et le maintient ainsi.

# %% [markdown]
# ## Résumé
#
# - GitOps : l'état souhaité vit dans git, la source unique de vérité ; un
#   agent le récupère et fait correspondre le cluster, encore et encore.
# - kustomize organise les manifestes en une **base** plus des **overlays**
#   par environnement ; `kubectl kustomize` en fait le rendu hors ligne.
# - Flux : un `GitRepository` (le source-controller récupère les commits) et
#   une `Kustomization` (le kustomize-controller construit, applique par
#   server-side apply, **élague** ce que son inventaire n'a plus, corrige la
#   **dérive**).
# - Une modification, c'est un commit et un push ; un retour arrière, c'est `git revert` ; l'historique sert de journal d'audit.
#
# ## Et ensuite ?
#
# [14 · Exploiter un cluster](14-operating.ipynb) s'installe dans le
# fauteuil de l'administrateur : quotas et limites, maintenance sans
# interruption, politiques réseau et sauvegarde d'etcd. Ensuite, retournez au
# [README](../../README.md) pour des idées pour aller plus loin : faites
# tourner les mêmes notebooks sur un autre moteur (`k8slab up --engine host`
# ou kind font tourner de vrais conteneurs, kwok les simule), ou revenez à
# [01 · Premiers pas](01-getting-started.ipynb) avec un regard neuf.
#
# ## Nettoyage
#
# Supprimer la `Kustomization` fait supprimer par Flux tout ce qu'il a
# appliqué (son inventaire), parce que `prune` est activé ; ensuite le
# `GitRepository` disparaît, Flux s'arrête, et la copie de travail et le
# namespace sont supprimés.

# %%
lab.delete("Kustomization", gitops.APP, namespace, wait=True, timeout=timeout)
lab.delete("GitRepository", gitops.SOURCE, namespace, wait=True, timeout=timeout)
lab.record("left_after_uninstall", sorted(f"{k}/{o['metadata']['name']}"
                                          for k in ("Deployment", "Service")
                                          for o in lab.list(k, namespace)))
gitops.stop_flux()
repo.delete()
lab.cleanup(namespace)
