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
# # 12 · Helm
#
# Une vraie application tient rarement en un seul objet. Même notre petit
# serveur web demande un Deployment, un Service et une ConfigMap. Et la copie
# qui tourne en test diffère de celle de production par une poignée de
# réglages : le nombre de réplicas, le tag de l'image, un message.
# Copier les fichiers YAML pour chaque environnement fonctionne... jusqu'au
# jour où les copies divergent. **Helm** regroupe les fichiers d'une
# application dans un **chart**, avec des emplacements pour ce qui varie. Il
# l'installe sous forme de **release**, dont chaque changement est numéroté :
# vous pouvez consulter l'historique, revenir en arrière et supprimer toute
# l'application d'un coup. Dans ce notebook, vous lisez un chart, vous
# regardez Helm en faire le rendu, et vous accompagnez une release tout au
# long de sa vie.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Dire quels problèmes Helm résout, et nommer ses trois notions : chart, valeurs (values), release.
# 2. Lire un chart : `Chart.yaml`, `values.yaml` et les templates.
# 3. Faire le rendu d'un chart avec `helm template` pour voir exactement ce que Helm enverrait.
# 4. Installer une release, la mettre à jour avec de nouvelles valeurs, lire son historique, revenir en arrière.
# 5. Installer deux fois un même chart, et désinstaller proprement une release.
# 6. Situer Helm par rapport à kustomize, sa principale alternative.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Réplicas, rollouts, `rollout undo` |
# | [06 · Les Services](06-services.ipynb) | Utile | Le chart fournit un Service devant ses pods |
# | [08 · La configuration](08-configuration.ipynb) | Utile | Une ConfigMap alimente une variable d'environnement |
# | YAML | Nécessaire | Les templates Helm produisent du YAML |
#
# **Temps d'apprentissage** : 35 minutes
#
# Ce notebook n'a besoin de rien des précédents, sinon d'un namespace
# (espace de noms) vide, que la cellule de mise en place ci-dessous crée
# (à neuf, à chaque exécution). Le chart qu'il installe se trouve dans
# `manifests/12-helm-chart/`.

# %% [markdown]
# ## Paramètres
#
# Le namespace dans lequel travaille ce notebook, et le temps que Helm peut
# attendre les pods, en secondes.

# %% tags=["parameters"]
import os  # namespace : le vôtre dans un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb12-helm")
timeout = 60

# %% [markdown]
# ## Mise en place
#
# En plus de `lab`, ce notebook utilise `k8slab.helm`, qui lance le vrai
# programme `helm` (version 4), celui que vous taperiez dans un terminal. Il
# s'adresse toujours au cluster du lab, et la ligne grise sous chaque cellule
# montre la commande `helm` exécutée, prête à être collée dans un terminal de
# ce JupyterLab. Une cellule qui commence par `%kubectl` lance le vrai
# kubectl du lab (`{namespace}` y est remplacé par le namespace de ce
# notebook), pour regarder ce que Helm a créé.

# %% tags=["setup"]
import tempfile
from pathlib import Path

import k8slab as lab
from k8slab import helm

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "the chart's pods will be real nginx containers" if real_containers
      else "kwok simulates the pods: no container runs")

# %% [markdown]
# ## Pourquoi Helm ?
#
# Jusqu'ici, vous avez appliqué les manifestes un fichier à la fois. Trois
# problèmes apparaissent dès qu'une application sort du tutoriel :
#
# - **Les variantes.** Le test veut 1 réplica, la production 5 ; pour le
#   reste, les deux veulent le même Deployment. Des copies d'un fichier
#   finissent par diverger : on veut une seule source, avec quelques
#   réglages.
# - **Le regroupement.** Supprimer une application, c'est se souvenir de
#   chaque objet qu'elle a créé. Qu'on en oublie un, et il traîne.
# - **La mémoire.** « Qu'avons-nous changé mardi, et comment revenir en
#   arrière ? » Le cluster ne connaît que l'état actuel.
#
# La réponse de Helm repose sur trois mots :
#
# | Mot | Ce que c'est |
# | --- | --- |
# | **chart** | un paquet : des templates (gabarits) de manifestes, des valeurs par défaut, un nom et une version |
# | **values** | les réglages d'un chart (réplicas, tag d'image, message...), avec des valeurs par défaut que vous remplacez |
# | **release** | une copie installée d'un chart dans un namespace, avec des **révisions** numérotées |
#
# Helm se présente comme « le gestionnaire de paquets de Kubernetes ». Au
# fond, c'est un moteur de templates, plus un moyen de publier des charts
# (dans des dépôts de charts ou des registres de conteneurs). C'est devenu la
# façon habituelle de distribuer des logiciels pour Kubernetes : la plupart
# des projets prêts à l'emploi fournissent un chart.

# %% [markdown]
# ## Anatomie d'un chart
#
# Un chart est un dossier. Voici celui du cours, `hello-web` :

# %%
chart = lab.manifest("manifests/12-helm-chart")
for path in sorted(chart.rglob("*")):
    if path.is_file():
        print(path.relative_to(chart))

# %% [markdown]
# - `Chart.yaml` est la carte d'identité : le nom du chart et sa **version**
#   (celle de l'emballage), ainsi que l'**appVersion** (la version du
#   logiciel emballé, à titre d'information).
# - `values.yaml` contient les valeurs par défaut. `values-v2.yaml` est un
#   jeu supplémentaire, utilisé plus loin dans ce notebook : Helm ne le lit
#   que si on le lui demande.
# - `templates/` contient les manifestes, avec leurs emplacements. Helm
#   génère chaque fichier de ce dossier, sauf ceux qui commencent par `_`,
#   qui ne font que définir des fragments réutilisables, et `NOTES.txt`, le
#   message affiché après une installation.

# %%
print((chart / "Chart.yaml").read_text())

# %%
print((chart / "values.yaml").read_text())

# %% [markdown]
# Chaque clé de `values.yaml` est un réglage, documenté là où il est défini.
# Voyons maintenant un template, celui de la ConfigMap :

# %%
print((chart / "templates" / "configmap.yaml").read_text())

# %% [markdown]
# Tout ce qui se trouve entre `{{` et `}}` est remplacé au moment du rendu
# (le langage est celui des templates de Go) :
#
# - `.Values.message` lit une valeur ; `.Release.Name` est le nom de la
#   release, choisi à l'installation ; `.Chart.Name` vient de `Chart.yaml`.
# - `| quote` est un pipeline : la valeur passe par la fonction `quote`, pour
#   qu'un message comme `yes` reste une chaîne dans le YAML.
# - `include "hello-web.labels" .` insère un fragment défini dans
#   `_helpers.tpl`, et `nindent 4` l'indente de 4 espaces sur une nouvelle
#   ligne. Chaque objet reçoit les mêmes labels sans qu'on les répète.
# - Un `-` à l'intérieur des accolades (`{{-`) avale les espaces qui le
#   précèdent, pour garder une sortie propre.
#
# Le template du Deployment utilise les mêmes outils, plus une astuce que
# nous expliquerons lors de la mise à jour :

# %%
print((chart / "templates" / "deployment.yaml").read_text())

# %% [markdown]
# ## Ce que Helm enverrait : `helm template`
#
# `helm template` transforme un chart en YAML ordinaire, sur votre machine,
# sans contacter le cluster. C'est le meilleur moyen de comprendre un chart,
# et de vérifier l'effet d'un changement de valeurs avant de l'appliquer.

# %%
print(helm.template("web", "12-helm-chart", namespace))

# %% [markdown]
# Plus d'accolades : trois manifestes ordinaires, nommés d'après la release
# (`web`, `web-config`). Générons-les de nouveau avec d'autres valeurs, et
# regardons les objets sous forme de dictionnaires Python :

# %%
rendered = helm.template_objects("web", "12-helm-chart", namespace,
                                 values={"replicaCount": 5, "message": "Hi!"})
for obj in rendered:
    print(obj["kind"], obj["metadata"]["name"])
deployment = next(obj for obj in rendered if obj["kind"] == "Deployment")
print("replicas:", deployment["spec"]["replicas"])

# %%
lab.record("rendered_kinds", sorted(obj["kind"] for obj in rendered))
lab.record("rendered_replicas", deployment["spec"]["replicas"])
lab.record("objects_before_install", len(lab.list("Deployment", namespace)))
lab.table("Deployment", namespace)

# %% [markdown]
# Rien n'a atteint le cluster : le namespace ne contient toujours aucun
# Deployment. `helm lint` est l'autre vérification hors ligne : il génère le
# chart avec ses valeurs par défaut et signale les erreurs (ici, seulement
# une suggestion : ajouter une icône).

# %%
print(helm.lint("12-helm-chart"))

# %% [markdown]
# ## Installer une release
#
# `helm install` génère le chart et envoie les objets au serveur d'API.
# `k8slab.helm` ajoute `--wait` : la cellule ne rend la main qu'une fois
# chaque objet prêt. Le chart lance l'image `k8slab.local/web:1.0` (valeurs
# `image.repository` et `image.tag` ; l'`appVersion` du chart vaut aussi
# « 1.0 ») : l'image nginx du cours, construite par k8slab à partir du nginx
# 1.22.1 de Debian. Sur le moteur host (ou sur kind, minikube), ses pods sont
# de vrais conteneurs, prêts une fois lancés. Sur le moteur kwok, aucun
# conteneur ne tourne : kwok déclare les pods prêts environ une seconde après
# leur placement sur un nœud, et Helm les voit prêts comme sur n'importe quel
# cluster. Le texte affiché à la fin est le `NOTES.txt` du chart, une fois
# généré.

# %%
release = helm.install("web", "12-helm-chart", namespace, timeout=timeout)
release

# %%
pods_v1 = {pod["metadata"]["name"] for pod in lab.list("Pod", namespace)}
lab.record("install_revision", release.revision)
lab.record("install_ready_pods", len(pods_v1))
lab.table("Pod", namespace)

# %% [markdown]
# Le chart transmet sa valeur `message` aux conteneurs dans la variable
# `GREETING` (par la ConfigMap qu'il génère). Avec de vrais conteneurs, nous
# pouvons la lire dans un pod
# (`kubectl exec deploy/web -- sh -c 'echo $GREETING'`) ; sur kwok, il n'y a
# aucun conteneur à interroger.

# %%
def greeting_inside() -> str | None:
    """The GREETING variable inside a pod of the release, when containers really run."""
    if not real_containers:
        print(f"{engine}: no container to ask; the ConfigMap below holds the message.")
        return None
    said = lab.exec("deployment/web", "echo $GREETING", namespace).strip()
    print("GREETING inside the container:", said)
    return said


lab.record("greeting_v1", greeting_inside())

# %% [markdown]
# Le Service et la ConfigMap sont là aussi. Deux sortes de marques indiquent
# qu'ils appartiennent à la release, et elles viennent de deux endroits :
#
# - le **label** `app.kubernetes.io/managed-by: Helm` vient du *chart* : son
#   `_helpers.tpl` écrit `{{ .Release.Service }}` (qui vaut `Helm`) dans les
#   labels de chaque objet. C'est une convention des labels recommandés,
#   suivie par les charts, pas une règle imposée par Helm ;
# - les **annotations** `meta.helm.sh/release-name` et
#   `meta.helm.sh/release-namespace` viennent de *Helm lui-même*, quoi que
#   dise le chart. Helm les lit (avec ce label) avant de toucher à un objet
#   existant : un objet qui ne les porte pas, ou qui appartient à une autre
#   release, n'est pas le sien, et Helm refuse de se l'approprier.

# %%
# %kubectl get deployment,service,configmap -n {namespace} -l app.kubernetes.io/instance=web

# %% [markdown]
# Les deux marques, sur la ConfigMap, telles que `kubectl get -o yaml` les
# montre (regardez `metadata.labels` et `metadata.annotations`) :

# %%
# %kubectl get configmap web-config -n {namespace} -o yaml

# %%
configmap = lab.get("ConfigMap", "web-config", namespace)
lab.record("helm_marks", {"managed_by": configmap["metadata"]["labels"].get(
    "app.kubernetes.io/managed-by"), "annotations": sorted(configmap["metadata"]["annotations"])})
print(configmap["data"])
print(configmap["metadata"]["labels"])
print(configmap["metadata"]["annotations"])

# %% [markdown]
# ### Où Helm garde sa mémoire
#
# Helm n'a aucun composant qui tourne dans le cluster. Il écrit chaque
# révision d'une release dans un **Secret**, dans le namespace de la
# release : le chart, les valeurs et le manifeste généré, compressés.
# `helm list` lit ces Secrets.

# %%
# %kubectl get secrets -n {namespace} -l owner=helm

# %%
records = lab.list("Secret", namespace, labels={"owner": "helm"})
lab.record("release_secrets", sorted(s["metadata"]["name"] for s in records))
for secret in records:
    print(secret["metadata"]["name"], secret["type"], secret["metadata"]["labels"])

# %%
helm.releases(namespace)

# %% [markdown]
# ## Mettre à jour avec de nouvelles valeurs
#
# Les valeurs sont en général rangées dans des fichiers, un par
# environnement, et passées avec `-f`. Celui-ci change deux réglages :

# %%
lab.manifest("manifests/12-helm-chart/values-v2.yaml")

# %%
release = helm.upgrade("web", "12-helm-chart", namespace,
                       values_files=["manifests/12-helm-chart/values-v2.yaml"], timeout=timeout)
release

# %% [markdown]
# Helm a refait le rendu du chart avec les valeurs fusionnées (d'abord les
# valeurs par défaut du chart, puis le fichier), et a aligné chaque objet sur
# ce nouveau rendu. Regardons les pods et la ConfigMap :

# %%
pods_v2 = {pod["metadata"]["name"] for pod in lab.list("Pod", namespace)
           if not pod["metadata"].get("deletionTimestamp")}
message = lab.get("ConfigMap", "web-config", namespace)["data"]["MESSAGE"]
print("message:", message)
print("pods kept from revision 1:", pods_v1 & pods_v2)
lab.record("upgrade_revision", release.revision)
lab.record("upgrade_message", message)
lab.record("upgrade_pods", len(pods_v2))
lab.record("pods_replaced", not pods_v1 & pods_v2)
lab.record("greeting_v2", greeting_inside())
lab.table("Pod", namespace)

# %% [markdown]
# Trois nouveaux pods, et plus aucun des anciens (l'un d'eux peut encore
# apparaître en `Terminating` un instant). Changer seulement le nombre de
# réplicas aurait juste ajouté un pod ; c'est le *message* qui les a tous
# remplacés. Les conteneurs lisent leurs variables d'environnement au
# démarrage : des pods qui continuent de tourner salueraient toujours avec
# l'ancien message. Le chart s'en protège : son modèle de pod porte une
# annotation `checksum/config`, une empreinte de la ConfigMap générée. Un
# nouveau message donne une nouvelle empreinte, donc un modèle de pod
# modifié, donc un rollout (notebook 05) qui démarre des pods neufs. Avec de
# vrais conteneurs, le `GREETING` affiché plus haut vient de l'un de ces
# pods neufs.

# %% [markdown]
# ## L'historique
#
# Chaque installation, mise à jour et retour arrière ajoute une révision :

# %%
history = helm.history("web", namespace)
lab.record("history_revisions", history["revision"].tolist())
history

# %% [markdown]
# La révision 1 est `superseded`, la révision 2 `deployed`. Helm retient
# aussi les valeurs données à chaque révision (seulement celles que *vous*
# avez fixées ; `all_values=True` y ajoute les valeurs par défaut du chart) :

# %%
values_v1 = helm.get_values("web", namespace, revision=1)
values_v2 = helm.get_values("web", namespace, revision=2)
lab.record("values_v2", values_v2)
print("revision 1:", values_v1)
print("revision 2:", values_v2)

# %% [markdown]
# Une mise en garde sur les mises à jour : quand vous donnez des valeurs,
# Helm repart des valeurs par défaut du chart et n'applique que les valeurs
# de *cette* mise à jour. Une valeur fixée lors d'une mise à jour précédente
# et non répétée est perdue. Gardez les valeurs de chaque environnement dans
# un seul fichier et passez-le à chaque fois (ou utilisez
# `reuse_values=True` pour repartir des valeurs de la révision précédente).

# %% [markdown]
# ## Revenir en arrière
#
# Le nouveau message ne plaît pas. `helm rollback` ramène la révision 1 :

# %%
release = helm.rollback("web", 1, namespace, timeout=timeout)
release

# %%
message = lab.get("ConfigMap", "web-config", namespace)["data"]["MESSAGE"]
replicas = lab.get("Deployment", "web", namespace)["spec"]["replicas"]
print(f"message: {message!r}, replicas: {replicas}")
lab.record("rollback_revision", release.revision)
lab.record("rollback_description", release.description)
lab.record("rollback_message", message)
helm.history("web", namespace)

# %% [markdown]
# Deux choses à remarquer :
#
# - Un retour arrière (rollback) ne réécrit pas l'historique : il ajoute la
#   révision **3**, copie de la révision 1 (`Rollback to 1`). Les numéros de
#   révision ne font que monter, et la trace de ce qui s'est passé reste
#   complète.
# - Il a restauré la ConfigMap *et* le Deployment ensemble. Le
#   `rollout undo` du notebook 05 ramène en arrière le modèle de pod d'un
#   seul Deployment ; un rollback Helm ramène toute l'application, chaque
#   objet de la release.

# %% [markdown]
# ### Exercice 1 : changer la release, pas ses objets
#
# Faites tourner la release `web` avec **4 réplicas** et un **message de
# votre choix**, avec `helm.upgrade(...)` et un dictionnaire `values`.
# Passez par Helm : modifier directement le nombre de réplicas du Deployment
# marcherait un temps, mais la release dirait toujours 2 réplicas. Helm 4
# applique ses objets *côté serveur*, et le serveur d'API note qui a fixé
# chaque champ ; la mise à jour suivante s'arrêterait alors sur un conflit
# (`conflict with kubectl ... .spec.replicas`) jusqu'à ce que quelqu'un
# tranche. La vérification (exercice `12.upgrade-values`) demande à Helm les
# valeurs de la release, et au cluster les pods prêts. La solution est
# cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici
# helm.upgrade("web", "12-helm-chart", namespace, values={...}, timeout=timeout)

# %%
lab.check("12.upgrade-values", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
helm.upgrade("web", "12-helm-chart", namespace,
             values={"replicaCount": 4, "message": "Hello from exercise 1"},
             timeout=timeout)
lab.check("12.upgrade-values", namespace)

# %% [markdown]
# ### Exercice 2 : un chart, deux releases
#
# Un chart peut être installé autant de fois qu'on veut : chaque release est
# une copie à part, avec ses propres valeurs et son propre historique.
# Installez le même chart comme seconde release, nommée **`canary`**, avec
# **1 réplica** et un message qui parle de « canary ». Cette fois, écrivez
# les valeurs dans un **fichier de valeurs**, en YAML, comme les équipes qui
# gardent un fichier par environnement : regardez les clés de
# `manifests/12-helm-chart/values.yaml` (ou de `values-v2.yaml` plus haut)
# et n'écrivez que les deux que vous changez. La cellule suivante donne un
# nom de fichier dans un dossier temporaire ; écrivez le fichier avec une
# cellule qui commence par `%%writefile {canary_values}`, puis passez-le avec
# `helm.install("canary", "12-helm-chart", namespace, values_files=[canary_values])`
# (`helm install -f`). Le chart nomme ses objets d'après la release : `canary`
# et `web` n'entrent donc pas en collision. Lancez ensuite la vérification
# (exercice `12.second-release`). La solution est cachée dans la cellule qui
# suit la vérification.

# %%
canary_values = Path(tempfile.gettempdir()) / f"{namespace}-canary-values.yaml"
canary_values.unlink(missing_ok=True)
print(canary_values)

# %%
# Votre code ici

# %%
lab.check("12.second-release", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%writefile {canary_values}
replicaCount: 1
message: Hello from the canary

# %% tags=["solution"] jupyter={"source_hidden": true}
print(canary_values.read_text())
helm.install("canary", "12-helm-chart", namespace, values_files=[canary_values],
             timeout=timeout)
lab.check("12.second-release", namespace)

# %%
helm.releases(namespace)

# %% [markdown]
# ## Désinstaller
#
# `helm uninstall` supprime chaque objet créé par la release (Helm les
# connaît grâce au manifeste rangé avec la release), puis les Secrets de la
# release, c'est-à-dire son historique. Les autres releases du namespace ne
# sont pas touchées.

# %%
print(helm.uninstall("web", namespace, timeout=timeout))

# %%
left = {f"{kind}/{name}": lab.exists(kind, name, namespace)
        for kind, name in [("Deployment", "web"), ("Service", "web"),
                           ("ConfigMap", "web-config")]}
remaining = [r["name"] for r in helm.list_releases(namespace)]
lab.record("web_objects_left", sum(left.values()))
lab.record("releases_after_uninstall", remaining)
print("still there:", left)
print("releases left:", remaining)

# %% [markdown]
# `web` a disparu, objets et historique compris. Si vous avez résolu
# l'exercice 2, `canary` est toujours là, intact. (Passez
# `keep_history=True` pour conserver les traces de la release après une
# désinstallation.)

# %% [markdown]
# ## Helm et kustomize
#
# Helm n'est pas le seul moyen de faire varier des manifestes. Sa principale
# alternative, **kustomize**, prend le contre-pied : pas de templates,
# seulement du YAML valide. Vous écrivez une *base* de manifestes ordinaires
# et, pour chaque variante, une *surcouche* (overlay) qui liste des
# modifications (« ici, 5 réplicas », « ajouter ce label »).
#
# | | Helm | kustomize |
# | --- | --- | --- |
# | Comment les variantes diffèrent | des templates à trous, remplis à partir des valeurs | du YAML ordinaire, modifié par des overlays et des patchs |
# | Ce que vous écrivez | un chart : des templates et un `values.yaml` | des fichiers `kustomization.yaml` à côté de manifestes ordinaires |
# | Mémoire de ce qui a été déployé | les releases : historique, retour arrière, désinstallation | aucune : il génère, `kubectl apply` applique, Git se souvient |
# | Distribution | des charts versionnés dans des dépôts ou des registres | des dépôts Git |
# | D'où il vient | le programme `helm` | intégré à `kubectl` (`kubectl apply -k`) |
#
# Les templates peuvent tout exprimer (conditions, boucles), mais les gros
# charts deviennent difficiles à lire ; kustomize reste lisible, mais ne sait
# pas calculer. Beaucoup d'équipes utilisent les deux : Helm pour les
# logiciels publiés par d'autres, kustomize pour leurs propres applications.
# Les outils GitOps, sujet du prochain notebook, acceptent l'un comme
# l'autre.

# %% [markdown]
# ## Résumé
#
# - Un **chart** regroupe des templates et des **valeurs** par défaut ;
#   l'installer crée une **release**, dont chaque changement est une
#   **révision** numérotée.
# - `helm template` (et `helm lint`) montrent ce que produit un chart sans
#   toucher au cluster.
# - `helm install` et `helm upgrade` génèrent et appliquent ; avec `--wait`,
#   ils rendent la main une fois les objets prêts. Les mises à jour prennent
#   leurs valeurs dans des fichiers (`-f`) ou dans un dictionnaire, en
#   repartant à chaque fois des valeurs par défaut du chart.
# - Une annotation d'empreinte dans le modèle de pod fait qu'un changement de
#   configuration relance les pods, pour qu'ils prennent les nouvelles
#   valeurs.
# - `helm history` liste les révisions ; `helm rollback` ajoute une nouvelle
#   révision qui copie une ancienne, pour tous les objets de la release à la
#   fois.
# - Modifiez une release par Helm, pas directement ses objets : Helm 4
#   arrête la mise à jour suivante sur un conflit pour tout champ modifié
#   dans son dos.
# - `helm uninstall` supprime exactement les objets de la release et son
#   historique.
# - Helm garde ses traces dans des Secrets, dans le namespace de la release.
#
# ## Et ensuite ?
#
# [13 · GitOps avec Flux](13-gitops.ipynb) garde l'état souhaité du cluster dans un
# dépôt Git et laisse un outil l'appliquer, avec kustomize pour décrire les
# variantes.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook, avec la release `canary` et tout ce
# qu'il contient d'autre.

# %%
lab.cleanup(namespace)
canary_values.unlink(missing_ok=True)
