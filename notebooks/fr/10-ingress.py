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
# # 10 · L'Ingress
#
# Un Service donne à un ensemble de pods un nom stable à l'intérieur du cluster.
# Les gens de l'extérieur, eux, tapent des URL : `https://shop.example.org/cart`.
# Ouvrir un port par Service ne passe pas à l'échelle, et personne n'a envie de
# retenir des numéros de port. La réponse de Kubernetes, c'est l'**Ingress** :
# un point d'entrée HTTP unique, un proxy inverse (reverse proxy), qui lit le
# nom d'hôte et le chemin de chaque requête et la transmet au bon Service. Dans
# ce notebook, vous écrivez des règles d'Ingress, vous découvrez pourquoi elles
# ne font rien toutes seules, vous démarrez un vrai contrôleur d'Ingress
# (Traefik) et vous lui envoyez des requêtes pour voir quel Service et quel pod
# ont servi chacune d'elles. Enfin, vous écrivez le même routage avec la
# **Gateway API**, la direction que prend l'écosystème.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Lire un Ingress : sa classe, ses règles (hôte et chemin), ses backends (Service et port).
# 2. Constater qu'un Ingress n'est que de la donnée : sans **contrôleur** d'Ingress, personne ne le sert.
# 3. Démarrer Traefik, un vrai contrôleur, et le regarder prendre l'Ingress en charge.
# 4. Router deux applications derrière un seul point d'entrée, selon le chemin (`/app1`, `/app2`).
# 5. Suivre des requêtes à travers le contrôleur jusqu'aux pods, et apprendre comment `Prefix` et `Exact` comparent les chemins.
# 6. Donner un nom d'hôte entier à une seule application.
# 7. Router avec une Gateway et une HTTPRoute, et réécrire un chemin avec un filtre standard.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Les deux applications sont des Deployments |
# | [06 · Les Services](06-services.ipynb) | Nécessaire | Un Ingress transmet à des Services, jamais directement à des pods |
# | HTTP : hôte, chemin, codes de statut | Utile | `Host: shop.k8slab.test`, `GET /app1`, `404` |
#
# **Temps d'apprentissage** : 40 minutes
#
# **Quel moteur** : le moteur host (`k8slab up --engine host`), kind ou
# minikube font tourner de vrais conteneurs, et un vrai Traefik y route donc de
# vraies requêtes. Le moteur kwok ne fait tourner aucun conteneur : aucun
# contrôleur ne peut y fonctionner : le notebook le dit et **simule** le
# routage, en lisant les règles avec le code Python de la bibliothèque ; chaque
# réponse simulée est présentée comme telle.
#
# Ce notebook a besoin de deux applications, `app1` et `app2`, chacune formée
# d'un Deployment placé derrière un Service du même nom. L'appel à
# `lab.setup(...)` ci-dessous les crée dans un namespace (espace de noms) tout
# neuf : vous pouvez donc commencer ici.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre en atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb10-ingress")
address_wait = 5               # secondes d'attente d'une adresse d'Ingress encore impossible

# %% [markdown]
# ## Mise en place
#
# `lab.setup` recrée le namespace et applique `manifests/10-ingress-apps.yaml` :
# deux Deployments (`app1` avec deux réplicas, `app2` avec un seul) et, devant
# chacun, un Service sur le port 80, qui transmet au port des conteneurs nommé
# `http` (8080). Les deux exécutent l'image **echo** du cours : quel que soit le
# chemin, elle répond par une ligne qui nomme le Service et le pod qui ont servi
# la requête (le pod connaît son propre nom grâce à l'API downward), l'en-tête
# `Host` et le chemin reçus, et le proxy qui l'a relayée.

# %% tags=["setup"]
import pandas as pd

import k8slab as lab
from k8slab import ingress

lab.setup(namespace, "manifests/10-ingress-apps.yaml")
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "app1 and app2 are real echo servers in containers"
      if real_containers else "kwok simulates the pods: no container runs, and no controller can")

# %%
lab.table("Service", namespace)

# %% [markdown]
# Les deux Services ont des endpoints : ils fonctionnent, mais seulement *à
# l'intérieur* du cluster (une `ClusterIP` est une adresse privée). Pour les
# joindre depuis l'extérieur, vous pourriez donner à chacun un `NodePort` ou un
# `LoadBalancer` (notebook 06) : un port, ou un répartiteur de charge du cloud,
# par Service. Un Ingress, lui, place un seul proxy HTTP devant tous les
# Services.

# %% [markdown]
# ## L'objet Ingress
#
# Voici un premier Ingress, `manifests/10-ingress-single.yaml` :
#
# ```yaml
# apiVersion: networking.k8s.io/v1
# kind: Ingress
# metadata:
#   name: single
# spec:
#   ingressClassName: traefik        # quel contrôleur doit le servir
#   rules:
#   - host: shop.k8slab.test         # l'en-tête Host de la requête
#     http:
#       paths:
#       - path: /
#         pathType: Prefix           # "/" comme préfixe : tous les chemins
#         backend:
#           service:
#             name: app1
#             port:
#               number: 80
# ```
#
# Lisez-le comme une table de routage. Chaque **règle** (rule) donne un hôte
# (facultatif) et une liste de **chemins** (paths) ; chaque chemin indique
# comment le comparer (`pathType`) et quel **backend** reçoit la requête : un
# Service et l'un de ses ports. `ingressClassName` dit *quel* contrôleur
# d'Ingress doit le servir, car un cluster peut en faire tourner plusieurs.

# %%
lab.apply("manifests/10-ingress-single.yaml", namespace)
ingress.rules_frame(lab.get("Ingress", "single", namespace))

# %% [markdown]
# `ingress.rules_frame` met les règles à plat, une ligne par chemin, comme la
# partie « Rules » de `kubectl describe ingress`.

# %% [markdown]
# ## Personne n'écoute encore : le contrôleur d'Ingress
#
# L'API server a accepté l'Ingress et l'a enregistré. Mais qui le lit ? Un
# Ingress, comme un Deployment, est un souhait ; c'est un **contrôleur** qui en
# fait une réalité. Pour les Deployments, ce contrôleur est livré avec
# Kubernetes (dans `kube-controller-manager`). Pour les Ingress, **aucun
# contrôleur n'est livré avec Kubernetes** : c'est l'administrateur du cluster
# qui en installe un, par exemple Traefik, HAProxy, Contour, ou le contrôleur
# de répartiteur de charge d'un fournisseur de cloud. Chacun s'annonce par un
# objet **IngressClass**. Quand un contrôleur prend un Ingress en charge, il
# configure son proxy et écrit l'adresse de ce proxy dans le champ
# `status.loadBalancer` de l'Ingress. Voici le nôtre :

# %%
stored = lab.get("Ingress", "single", namespace)
lab.record("load_balancer", stored.get("status", {}).get("loadBalancer"))
stored.get("status")

# %% [markdown]
# Vide. Attendre n'y change rien : la cellule suivante attend une adresse
# pendant quelques secondes (`ingress.has_address` est la règle qu'elle
# applique), puis abandonne.

# %%
try:
    lab.wait("Ingress", "single", namespace, until=ingress.has_address, timeout=address_wait)
except lab.WaitTimeout as err:
    print(err.message)
lab.record("addresses_before", ingress.addresses(lab.get("Ingress", "single", namespace)))

# %% [markdown]
# Un Ingress sans contrôleur pour sa classe est ignoré en silence : pas
# d'erreur, pas d'Event, pas d'adresse. Quand un Ingress « ne fait rien », la
# première question à se poser est toujours : *existe-t-il un contrôleur pour
# sa classe ?*

# %% [markdown]
# ## Démarrer un vrai contrôleur : Traefik
#
# Le lab utilise **Traefik** (v3) : un proxy inverse et contrôleur d'Ingress
# open source et maintenu, en un seul programme Go, qui implémente aussi la
# Gateway API. k8slab le compile à partir de ses sources, prises sur le proxy
# de modules Go (une fois, puis mises en cache), et l'empaquette dans une image
# locale, `k8slab.local/traefik:3.7.13`.
# `ingress.install_controller(namespace)` fait ce que fait un administrateur :
# il applique `manifests/10-ingress-traefik.yaml` (un ServiceAccount, un
# ClusterRole qui permet à Traefik de lire les Ingress, les Services et les
# EndpointSlices et d'écrire le statut des Ingress, son binding, l'IngressClass
# `traefik`, un Deployment et un Service), puis les CRD de la Gateway API et la
# GatewayClass `traefik` ; il attend ensuite le pod et demande à Traefik sa
# version.
#
# Dans un vrai cluster, un seul contrôleur sert tous les namespaces. Ici, votre
# Traefik ne surveille que votre namespace, pour que des participants qui
# partagent un cluster ne routent jamais les requêtes les uns des autres.
#
# Sur kwok, aucun conteneur ne tourne, il n'y a donc aucun contrôleur à
# démarrer : la cellule le dit, et à partir de là `ingress.send_all` *simule*
# le contrôleur (il applique les règles en Python, puis interroge un pod du
# Service choisi, dont la réponse est elle aussi simulée par kwok). Sa colonne
# `through` indique toujours lequel des deux a répondu.

# %%
if real_containers:
    controller = ingress.install_controller(namespace)
else:
    controller = None
    print("kwok runs no containers: no Ingress controller can run here. The routing below "
          "is simulated by k8slab.ingress (a Python reading of the rules), and the pods' "
          "answers are simulated by kwok.")
lab.record("controller_version", controller)

# %%
lab.record("ingress_classes", sorted(c["metadata"]["name"] for c in lab.list("IngressClass")))
lab.table("IngressClass")

# %% [markdown]
# Dès qu'un contrôleur tourne, son adresse apparaît dans le statut de l'Ingress
# en quelques secondes. Traefik a pour consigne de publier `127.0.0.1` :
# l'adresse à laquelle vous le joignez dans ce lab, par un port-forward. Sur
# kwok, personne ne l'écrit.

# %%
try:
    lab.wait("Ingress", "single", namespace, until=ingress.has_address,
             timeout=60 if controller else address_wait)
except lab.WaitTimeout as err:
    print(err.message)
lab.record("addresses_after", ingress.addresses(lab.get("Ingress", "single", namespace)))

# %% [markdown]
# Maintenant, une première requête. `ingress.send_all` envoie chaque couple
# `(host, path)` au point d'entrée de Traefik (le port 8000 de son pod, par le
# port-forward de l'API server sur 127.0.0.1 ; la ligne
# `kubectl port-forward ... curl` affichée fait la même chose) et lit la
# réponse du serveur echo : `service` et `pod` disent qui a servi la requête,
# `received` est le chemin que le pod a reçu, et `via` le pod proxy qui l'a
# relayée (l'en-tête `X-Forwarded-Server` de Traefik).
#
# Sur kwok, la colonne `through` indique `simulated` : le Service a été choisi
# par `k8slab.ingress.route`, la requête est allée directement à l'un de ses
# pods, et c'est le serveur simulé de kwok qui a répondu (200 pour n'importe
# quel chemin, sans ligne echo : `received` ne fait donc que répéter le chemin,
# et `via` reste vide).

# %%
first = ingress.send_all([("shop.k8slab.test", "/"), ("shop.k8slab.test", "/cart")], namespace)
lab.record("first_services", list(first["service"]))
lab.record("first_via", list(first["via"]))
first

# %% [markdown]
# ## Deux applications derrière un seul point d'entrée
#
# Une disposition classique (« fan-out ») : un seul hôte, plusieurs
# applications, choisies selon le premier élément du chemin.
#
# | Chemin de la requête | Destination |
# | --- | --- |
# | `/app1`, `/app1/...` | Service `app1`, port 80 |
# | `/app2`, `/app2/...` | Service `app2`, port 80 |
#
# ### Exercice 1 : router selon le chemin
#
# Créez dans votre namespace un Ingress nommé `fanout`, avec
# `ingressClassName: traefik`, **sans hôte** (ses règles s'appliquent alors à
# tous les noms d'hôte), et deux chemins de type `Prefix` : `/app1` vers le
# Service `app1` port 80, et `/app2` vers le Service `app2` port 80. Partez du
# YAML de `single` ci-dessus, enregistrez-le dans un fichier ou une chaîne, et
# passez-le à `lab.apply`. Lancez ensuite la vérification (identifiant de
# l'exercice : `10.fanout`). La solution est cachée dans la cellule qui suit la
# vérification.

# %%
# Votre code ici

# %%
lab.check("10.fanout", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/10-ingress-fanout.yaml"))
lab.apply("manifests/10-ingress-fanout.yaml", namespace)
lab.check("10.fanout", namespace)

# %% [markdown]
# La version de référence, `manifests/10-ingress-fanout.yaml`, désigne le port
# d'`app2` par son nom (`name: http`) au lieu de son numéro : les deux formes
# sont permises. Si vous avez sauté l'exercice, la cellule suivante applique ce
# fichier pour que la suite du notebook fonctionne ; si votre propre `fanout`
# existe, elle n'y touche pas.

# %%
if not lab.exists("Ingress", "fanout", namespace):
    lab.apply("manifests/10-ingress-fanout.yaml", namespace)
ingress.rules_frame(lab.list("Ingress", namespace))

# %% [markdown]
# ## Suivre les requêtes
#
# Comment un contrôleur choisit-il ? Il fusionne tous les Ingress de sa classe,
# choisit d'abord l'**hôte** (un hôte exact l'emporte sur un joker comme
# `*.k8slab.test`, qui l'emporte lui-même sur les règles sans hôte), puis le
# **plus long chemin correspondant** parmi les règles de cet hôte.
# `ingress.route(ingresses, host, path)` est la lecture, en Python, que k8slab
# fait de ces règles de la spécification des Ingress : servez-vous-en pour
# *prédire*, puis laissez le contrôleur répondre.

# %%
ingresses = lab.list("Ingress", namespace)
r = ingress.route(ingresses, "k8slab.test", "/app2/orders")
lab.record("route_app2", ingress.route_dict(r))
print("predicted:", r)

# %%
requests = [("k8slab.test", "/app1/whoami"), ("k8slab.test", "/app1/hello"),
            ("k8slab.test", "/app2/orders"), ("k8slab.test", "/app10"),
            ("shop.k8slab.test", "/app2/whoami")]
ingress.wait_served("k8slab.test", "/app2/orders", namespace)  # Traefik a lu `fanout`
trip = ingress.send_all(requests, namespace)
lab.record("trip_services", list(trip["service"]))
lab.record("trip_pods", list(trip["pod"]))
lab.record("trip_received", list(trip["received"]))
lab.record("trip_statuses", [int(s) for s in trip["status"]])
lab.record("trip_via", list(trip["via"]))
lab.record("trip_through", list(trip["through"]))
lab.record("app_pods", {app: sorted(p["metadata"]["name"] for p in
                                    lab.list("Pod", namespace, labels={"app": app}))
                        for app in ("app1", "app2")})
trip

# %% [markdown]
# Ce tableau cache quatre leçons :
#
# - `/app1/whoami` et `/app1/hello` ont atteint `app1` : un chemin `Prefix`
#   couvre tout ce qui se trouve en dessous. La colonne `pod` nomme le pod qui a
#   répondu ; relancez la cellule, et les deux réplicas d'app1 répondront
#   peut-être à tour de rôle.
# - Le chemin est transmis **tel quel** (`received`) : app2 a reçu
#   `/app2/orders`, pas `/orders`. L'application placée derrière un préfixe doit
#   s'y attendre, ou bien il faut demander au proxy de le retirer (vous le ferez
#   avec la Gateway API).
# - `/app10` ne correspond à rien : c'est donc le contrôleur lui-même qui
#   répond **404** (un Ingress peut définir un `defaultBackend` pour ce genre de
#   requêtes). `Prefix` compare des *éléments* de chemin entiers : `/app1`
#   n'est pas un préfixe de `/app10` (nous y revenons plus bas).
# - `shop.k8slab.test/app2/whoami` est allé vers **app1** ! L'Ingress `single`
#   a une règle pour cet hôte exact, et une règle avec hôte l'emporte toujours
#   sur les règles sans hôte : le contrôleur ne cherche un chemin que parmi les
#   règles de cet hôte.

# %% [markdown]
# ## Prefix ou Exact ?
#
# Chaque chemin a un `pathType` :
#
# - `Exact` : le chemin de la requête doit être exactement la même chaîne (en
#   respectant la casse).
# - `Prefix` : le chemin de la requête doit commencer par le chemin de la
#   règle, comparé élément par élément entre les séparateurs `/` ; un `/` final
#   est ignoré.
# - `ImplementationSpecific` : au choix du contrôleur (Traefik le traite comme
#   un préfixe). `k8slab.ingress` le lit comme `Prefix`.
#
# Les contrôleurs ne suivent pas tous la lettre de la spécification : le
# `PathPrefix` propre à Traefik compare des caractères, si bien que, par
# défaut, son fournisseur Ingress laisse `/app1` correspondre à `/app10`. Le
# Traefik du lab tourne avec
# `--providers.kubernetesIngress.strictPrefixMatching=true`, qui lui fait
# comparer des éléments de chemin, comme le demande la spécification. Lisez la
# documentation de votre contrôleur sur ce point avant de compter dessus.
#
# Quand plusieurs chemins correspondent, c'est le **plus long** qui gagne, et
# `Exact` l'emporte en cas d'égalité. `ingress.path_matches` applique un chemin
# à une requête, comme le dit la spécification :

# %%
cases = [("Prefix", "/app1", "/app1"), ("Prefix", "/app1", "/app1/"),
         ("Prefix", "/app1", "/app1/cart"), ("Prefix", "/app1", "/app10"),
         ("Exact", "/app1", "/app1"), ("Exact", "/app1", "/app1/"), ("Prefix", "/", "/anything")]
matches = pd.DataFrame([(t, p, q, ingress.path_matches(t, p, q)) for t, p, q in cases],
                       columns=["pathType", "rule path", "request path", "matches"])
lab.record("path_matches", list(matches["matches"]))
matches

# %% [markdown]
# ### Exercice 2 : un nom d'hôte pour une application
#
# L'équipe veut que `admin.k8slab.test` mène à `app2`, quel que soit le chemin
# (`/`, `/reports/2024`, et même `/app1`), tandis que les autres noms d'hôte
# continuent d'être routés selon le chemin. Écrivez un Ingress nommé `admin`
# (classe `traefik`) avec une seule règle pour l'hôte `admin.k8slab.test` et un
# seul chemin, `/` de type `Prefix`, vers le Service `app2` port 80, puis
# appliquez-le. Essayez-le avec `ingress.send_all` avant de lancer la
# vérification (identifiant de l'exercice : `10.host`). La solution est cachée
# juste après.

# %%
# Votre code ici

# %%
lab.check("10.host", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/10-ingress-admin.yaml"))
lab.apply("manifests/10-ingress-admin.yaml", namespace)
lab.check("10.host", namespace)

# %% [markdown]
# Quelle que soit la façon dont vous l'avez écrit, voici où vont maintenant les
# requêtes. Un contrôleur applique un Ingress modifié un instant plus tard
# (Traefik regroupe les changements pendant une demi-seconde avant de se
# recharger) : la cellule attend donc d'abord, avec `ingress.wait_served`, que
# Traefik route le nouvel hôte.

# %%
ingress.wait_served("admin.k8slab.test", "/whoami", namespace)
hosts = ingress.send_all([("admin.k8slab.test", "/whoami"), ("admin.k8slab.test", "/app1"),
                          ("k8slab.test", "/app1/whoami")], namespace)
lab.record("host_services", list(hosts["service"]))
lab.record("host_statuses", [int(s) for s in hosts["status"]])
hosts

# %% [markdown]
# `admin.k8slab.test/app1` a atteint **app2**, et app2 a reçu `/app1` : le
# chemin de la règle est `/`, c'est donc l'hôte seul qui a décidé.

# %% [markdown]
# ## La Gateway API : une Gateway et une HTTPRoute
#
# L'API Ingress est figée : elle restera, mais les nouvelles fonctionnalités
# vont à son successeur, la **Gateway API**, un ensemble de CRD maintenu par le
# projet Kubernetes (`gateway.networking.k8s.io`). Elle répartit le travail
# entre plusieurs rôles :
#
# - une **GatewayClass** désigne un contrôleur (l'affaire de l'administrateur
#   du cluster ; comme une IngressClass),
# - une **Gateway** est un point d'entrée : une classe, des listeners avec un
#   port et un protocole (l'affaire de l'équipe plateforme),
# - une **HTTPRoute** rattache des noms d'hôte et des règles à une Gateway
#   (l'affaire de l'équipe applicative).
#
# Réécrire un chemin y est un **filtre standard** (`URLRewrite`), là où un
# Ingress a besoin d'une annotation ou d'un middleware propre au contrôleur.
# `manifests/10-ingress-gateway.yaml` contient une Gateway `web` (classe
# `traefik`, en HTTP sur le port 8000 de Traefik) et une HTTPRoute `shop` pour
# l'hôte `gw.k8slab.test` : `/shop/...` va vers app1 **sans** son préfixe
# `/shop`, et `/orders/...` vers app2, tel quel.
#
# La Gateway API n'est pas intégrée à Kubernetes : ses CRD doivent d'abord être
# installés (`install_controller` l'a fait ; la cellule suivante s'en assure,
# sur kwok aussi : k8slab les prend dans le module Go de la Gateway API, dont la
# version est affichée ci-dessous).

# %%
lab.record("gateway_api", ingress.install_gateway_api())
lab.apply("manifests/10-ingress-gateway.yaml", namespace)
try:
    lab.wait("HTTPRoute", "shop", namespace, until=ingress.route_accepted,
             timeout=60 if controller else address_wait)
except lab.WaitTimeout as err:
    print(err.message)
status_rows = ingress.route_status(lab.get("HTTPRoute", "shop", namespace))
lab.record("route_conditions", sorted({(r["type"], r["status"]) for r in status_rows}))
pd.DataFrame(status_rows, columns=["gateway", "controller", "type", "status", "reason"])

# %% [markdown]
# Avec Traefik en marche, le tableau montre les conditions qu'il a écrites :
# `Accepted` (la route est rattachée à la Gateway) et `ResolvedRefs` (ses
# Services existent). Sur kwok, il est vide : l'API server a enregistré les
# objets, et aucun contrôleur ne les a lus. Passons aux requêtes (sur kwok,
# `send_all` ne simule que les règles d'Ingress : celles-ci y restent donc sans
# réponse, et le tableau indique 404 pour chacune).

# %%
if controller:
    ingress.wait_served("gw.k8slab.test", "/shop/whoami", namespace)
    gw = ingress.send_all([("gw.k8slab.test", "/shop/whoami"), ("gw.k8slab.test", "/orders/7"),
                           ("gw.k8slab.test", "/app1")], namespace)
    lab.record("gateway_services", list(gw["service"]))
    lab.record("gateway_received", list(gw["received"]))
    lab.record("gateway_statuses", [int(s) for s in gw["status"]])
else:
    gw = pd.DataFrame([{"host": "gw.k8slab.test", "note": "simulated engine: no controller "
                        "serves the Gateway, nothing to send"}])
gw

# %% [markdown]
# `/shop/whoami` a atteint app1 sous la forme `/whoami` : le filtre
# `URLRewrite` a retiré le préfixe. `/orders/7` a atteint app2 tel quel. Et
# `gw.k8slab.test/app1` ? Aucune règle de l'HTTPRoute ne lui correspond, et
# pourtant app1 a répondu : Traefik fusionne les Ingress et les HTTPRoutes
# qu'il sert en **une seule** table de routage, et l'Ingress `fanout` (sans
# hôte, `/app1`) correspond à tous les noms d'hôte. Un contrôleur, deux API, un
# seul ensemble de routes : gardez-le en tête sur un cluster qui utilise les
# deux.

# %% [markdown]
# ## Sur kind, sur minikube et en production
#
# Trois choses diffèrent sur les autres clusters, et aucune ne figure dans
# votre YAML :
#
# 1. **Qui installe le contrôleur.** Un administrateur, une fois pour toutes,
#    dans son propre namespace (`helm install traefik traefik/traefik`, ou celui
#    que fournit k3s). k3s fournit Traefik ; le contrôleur communautaire
#    **ingress-nginx** a été retiré par le projet Kubernetes (sa maintenance
#    « au mieux » a pris fin en mars 2026) : ne l'installez pas sur un nouveau
#    cluster. Traefik, HAProxy, Contour, Envoy Gateway, Cilium et NGINX Gateway
#    Fabric sont des choix maintenus.
# 2. **Comment on joint le proxy.** Par un Service de type `LoadBalancer` dans
#    un cloud, ou par les ports 80 et 443 d'un nœud. Sur kind, les nœuds sont
#    des conteneurs : la configuration du cluster redirige donc ces ports d'un
#    conteneur nœud vers votre machine. `manifests/kind-cluster.yaml` donne au
#    nœud du plan de contrôle (control plane) les `extraPortMappings` 80 et 443
#    sur 127.0.0.1 et le label `ingress-ready=true`, sur lequel on place ensuite
#    le pod d'un contrôleur (un `nodeSelector`), avec les `hostPort` 80 et 443.
#    Tout cela est fixé à la création du cluster.
# 3. **HTTPS.** Le champ `spec.tls` d'un Ingress (ou les `certificateRefs` d'un
#    listener de Gateway) désigne le Secret qui contient un certificat, souvent
#    produit par cert-manager.

# %% [markdown]
# ## Résumé
#
# - Un Ingress est une table de routage pour HTTP : des règles d'hôte et de
#   chemin, chacune pointant vers un port de Service ; `ingressClassName`
#   désigne le contrôleur censé le servir.
# - L'API server ne fait que l'enregistrer. Un **contrôleur d'Ingress**
#   (installé à part, ici Traefik) configure un proxy et publie son adresse
#   dans `status.loadBalancer` ; sans contrôleur, rien ne se passe et rien ne
#   se plaint.
# - Le contrôleur choisit d'abord l'hôte (exact, puis joker, puis règles sans
#   hôte), puis le plus long chemin correspondant ; `Exact` l'emporte sur
#   `Prefix` en cas d'égalité.
# - `Prefix` compare des éléments de chemin entiers : `/app1` couvre
#   `/app1/cart`, pas `/apple`.
# - Le chemin est transmis tel quel, sauf si l'on demande au proxy de le
#   réécrire.
# - La Gateway API (GatewayClass, Gateway, HTTPRoute) succède à l'Ingress,
#   avec des rôles et des filtres standard comme `URLRewrite` ; Traefik sert
#   les deux.
# - Sur kwok, aucun contrôleur ne peut tourner : le notebook simule le routage
#   et le dit.
#
# ## Et ensuite ?
#
# [11 · Étendre Kubernetes](11-extending.ipynb) va un cran plus loin : vous
# inventerez votre propre type d'objet et écrirez le contrôleur qui lui donne
# un sens.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook : Traefik, ses Ingress, la Gateway,
# l'HTTPRoute, les Services et les Deployments partent avec lui, et
# `lab.cleanup` supprime aussi le ClusterRoleBinding créé pour lui.
# L'IngressClass, la GatewayClass, le ClusterRole et les CRD de la Gateway API
# sont à l'échelle du cluster et restent pour la leçon suivante (sans
# contrôleur, ils ne servent à rien) ; `k8slab down` supprime tout.

# %%
lab.cleanup(namespace)
lab.record("bindings_left", [b["metadata"]["name"] for b in lab.list("ClusterRoleBinding")
                             if b["metadata"]["name"] == f"k8slab-traefik-{namespace}"])
