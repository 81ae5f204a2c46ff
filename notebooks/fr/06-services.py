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
# # 06 · Les Services
#
# Les pods sont jetables : le notebook 04 a montré qu'un pod recréé reçoit une
# nouvelle adresse, et le notebook 05 qu'un Deployment remplace ses pods quand
# bon lui semble. Alors comment leur parler ? Par un **Service** : un objet
# durable, avec un nom stable et une adresse IP virtuelle stable, qui transmet
# le trafic aux pods que son sélecteur de labels désigne à cet instant. Dans ce
# notebook, vous placez un Service devant le Deployment `web`, vous regardez sa
# liste d'endpoints (les points d'accès vers les pods) suivre les pods, vous lui
# envoyez des requêtes HTTP, vous l'ouvrez sur les ports des nœuds, et vous
# réparez un Service qui n'atteint personne.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Créer un Service ClusterIP et lire son sélecteur de labels et ses ports.
# 2. Trouver ses endpoints dans les EndpointSlices, les objets qui listent les pods derrière lui.
# 3. Vérifier que son nom et son IP restent fixes pendant que ses pods vont et viennent.
# 4. Lui envoyer des requêtes HTTP par un port-forward, et voir quel pod a répondu.
# 5. L'appeler par son nom depuis l'intérieur du cluster, depuis un autre pod.
# 6. L'exposer sur chaque nœud avec un Service NodePort.
# 7. Diagnostiquer un Service dont le sélecteur ne correspond à aucun pod.
# 8. Réparer des pods qui tournent mais ne sont pas prêts, pour que leur Service les atteigne.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [04 · Les pods](04-pods.ipynb) | Nécessaire | Labels, ports des conteneurs, adresses IP de pod qui changent |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Le Deployment `web` et ses pods |
# | Ports et HTTP, dans les grandes lignes | Utile | Une requête va vers une adresse et un port |
#
# **Temps d'apprentissage** : 30 minutes
#
# Ce notebook reprend là où le notebook 05 s'est arrêté : le Deployment `web`,
# avec trois pods qui portent le label `app=web` et exécutent l'image `web` du
# cours (nginx 1.22.1 de Debian, empaqueté par k8slab, à l'écoute sur le port
# 8080 ; sa page `/hello` nomme le pod qui a répondu). Inutile d'avoir exécuté
# le notebook 05 : la cellule de mise en place ci-dessous recrée cet état dans
# un namespace (espace de noms) tout neuf.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre en atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb06-services")
timeout = 60

# %% [markdown]
# ## Mise en place
#
# Importez la bibliothèque, puis amenez un namespace tout neuf à l'état de
# départ de ce notebook : `lab.setup` applique le Deployment et attend que ses
# pods tournent. Cet import active aussi les cellules qui commencent par
# `%kubectl` : elles lancent le vrai kubectl du lab contre le cluster du lab
# (`{namespace}` y est remplacé par le namespace de ce notebook), pour les
# commandes que vous taperiez sur n'importe quel cluster.

# %% tags=["setup"]
import time
import urllib.request
from collections.abc import Callable

import k8slab as lab

lab.setup(namespace, "manifests/06-services-web.yaml")

# %% [markdown]
# Quel moteur fait tourner ce lab ? Sur le moteur **host** (comme sur kind ou
# minikube), les pods sont de vrais conteneurs sur un vrai réseau : kube-proxy,
# sur le nœud, route les adresses des Services, et CoreDNS répond aux noms des
# Services. Sur le moteur **kwok**, les objets de l'API sont tout aussi réels,
# mais les nœuds sont simulés : aucun conteneur ne tourne, aucun paquet ne
# circule, et les adresses ne sont que des nombres écrits dans les objets.

# %%
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
print(f"engine: {engine} ·", "real containers and network" if real_containers
      else "simulated nodes (kwok): no container runs, no traffic flows")

# %% [markdown]
# ## Le problème : des cibles mouvantes
#
# Voici les trois pods. Chacun a sa propre adresse IP, et chaque adresse vit
# exactement aussi longtemps que son pod.

# %%
lab.table("Pod", namespace)[["name", "phase", "node", "ip"]]

# %% [markdown]
# Un client qui aurait retenu l'une de ces adresses ne trouverait plus personne
# à la prochaine mise à jour, à la prochaine réduction du nombre de réplicas ou
# à la prochaine panne de nœud. Il lui faut une seule adresse pour « les pods web,
# quels qu'ils soient en ce moment ». C'est précisément un Service.

# %% [markdown]
# ## Un Service : un nom, une adresse
#
# Voici le Service que nous allons créer :

# %%
lab.manifest("manifests/06-services-web-svc.yaml")

# %% [markdown]
# - `selector: {app: web}` : le Service vaut pour tous les pods qui portent le
#   label `app=web`. Il ne nomme pas de pods, il les décrit. C'est le même
#   mécanisme de labels que celui qu'un Deployment utilise pour compter ses pods.
# - `ports` : les clients se connectent au `port` 80 du Service ; le trafic
#   arrive sur le `targetPort` du pod. Nous avons donné ce port par son *nom*,
#   `http`, celui que le modèle de pod (pod template) donne au port 8080 : si
#   les pods changent un jour de port, le Service suivra.
# - `type: ClusterIP` (la valeur par défaut) donne au Service une adresse IP
#   virtuelle, joignable uniquement depuis l'intérieur du cluster.

# %%
web_service = lab.apply("manifests/06-services-web-svc.yaml", namespace)[0]
cluster_ip = web_service["spec"]["clusterIP"]
print("ClusterIP:", cluster_ip, "· DNS name:", f"web.{namespace}.svc.cluster.local")

# %% [markdown]
# Le Service a reçu sa **ClusterIP** dès son enregistrement. Elle est prise
# dans une plage réservée aux Services (distincte de celle des pods), et il la
# garde jusqu'à sa suppression. Il a aussi un nom DNS : dans le cluster, `web`
# (depuis le même namespace) ou `web.<namespace>.svc.cluster.local` (depuis
# n'importe où) se résout en cette adresse IP. CoreDNS répond à ces noms sur
# kind et minikube, et le moteur host le fait tourner lui aussi (le Service
# `kube-dns`, en 10.96.0.10, est celui que désigne le `/etc/resolv.conf` de
# chaque pod) ; sur le moteur kwok, aucun pod ne tourne pour poser la question,
# et le nom n'y est donc qu'une convention que vous pouvez lire. Nous poserons
# la question depuis un pod, plus bas.

# %% [markdown]
# ## EndpointSlices : qui se trouve derrière le Service
#
# L'objet Service lui-même ne contient aucune liste de pods. Un contrôleur du
# plan de contrôle (control plane), le **contrôleur EndpointSlice**, surveille
# les Services et les pods, et écrit les adresses des pods correspondants dans
# des objets **EndpointSlice**, qui portent en label le nom du Service. Sur
# chaque nœud, **kube-proxy** surveille ces slices et programme les règles
# réseau du nœud, pour que le trafic destiné à la ClusterIP aille vers l'un des
# pods listés.
#
# La cellule suivante définit deux petites fonctions utilitaires : l'une lit
# les slices d'un Service, l'autre les suit avec un watch jusqu'à ce qu'une
# condition soit remplie.

# %%
def ready_endpoints(slices: list[dict]) -> dict[str, str]:
    """Pod name -> IP for each endpoint marked ready in these EndpointSlices."""
    return {ep["targetRef"]["name"]: ep["addresses"][0] for s in slices
            for ep in s.get("endpoints") or [] if ep["conditions"].get("ready")}


def wait_for_endpoints(service: str, done: Callable[[dict], bool]) -> dict[str, str]:
    """Watch a Service's EndpointSlices until done(endpoints) is true; return them."""
    slices: dict[str, dict] = {}
    for change, item in lab.watch("EndpointSlice", namespace, timeout=timeout,
                                  labels=f"kubernetes.io/service-name={service}"):
        if change == "DELETED":
            slices.pop(item["metadata"]["name"], None)
        else:
            slices[item["metadata"]["name"]] = item
        if done(ready_endpoints(list(slices.values()))):
            return ready_endpoints(list(slices.values()))
    raise lab.WaitTimeout(f"The endpoints of {service!r} did not settle in {timeout}s.",
                          "Look at lab.table('Pod', namespace) and the Service's selector.")


# %% [markdown]
# Le contrôleur a besoin d'un instant (bien moins d'une seconde) pour écrire la
# slice. Attendons qu'elle liste les trois pods :

# %%
before = wait_for_endpoints("web", lambda eps: len(eps) == 3)
before

# %% [markdown]
# `lab.table` montre chaque Service avec ses endpoints, lus dans ces slices :

# %%
lab.table("Service", namespace)

# %% [markdown]
# La même chose, vue par kubectl : le Service (avec son sélecteur, grâce à
# `-o wide`) et ses slices, retrouvées par leur label :

# %%
# %kubectl get service web -n {namespace} -o wide
# %kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name=web

# %% [markdown]
# Et voici la slice elle-même :

# %%
slices = lab.list("EndpointSlice", namespace, labels={"kubernetes.io/service-name": "web"})
for item in slices:
    print(item["metadata"]["name"], "· ports:", item["ports"])
    for ep in item["endpoints"]:
        print("  ", ep["addresses"], ep["targetRef"]["name"], ep["conditions"])

# %% [markdown]
# Une seule slice (une slice contient jusqu'à 100 endpoints), dont le port est
# 8080 : le port cible du Service, résolu à partir de son nom `http`. Chaque
# endpoint pointe vers un pod (`targetRef`) et indique si ce pod est prêt. Un
# pod qui n'est pas prêt (sa readiness probe, ou sonde de disponibilité, échoue,
# ou bien il est en train de s'arrêter) reste dans la slice, marqué
# `ready: false`, et kube-proxy ne lui envoie aucun trafic.

# %%
lab.record("cluster_ip", cluster_ip)
lab.record("endpoints_before", sorted(before))

# %% [markdown]
# ## Les pods changent, le Service reste
#
# Soyons brutaux, maintenant : supprimons tous les pods qui sont derrière le
# Service. Le Deployment les remplace (notebook 05), et le contrôleur
# EndpointSlice met la slice à jour. Nous attendons que la slice liste trois
# pods prêts, dont aucun des anciens.

# %%
for pod_name in before:
    lab.delete("Pod", pod_name, namespace)
after = wait_for_endpoints("web", lambda eps: len(eps) == 3 and not set(eps) & set(before))
after

# %%
ip_after = lab.get("Service", "web", namespace)["spec"]["clusterIP"]
print("ClusterIP:", cluster_ip, "->", ip_after)
print("pod IPs:  ", sorted(before.values()), "->", sorted(after.values()))
lab.record("cluster_ip_after", ip_after)
lab.record("endpoints_after", sorted(after))

# %% [markdown]
# Trois nouveaux pods, avec de nouveaux noms et (très probablement) de
# nouvelles adresses ; l'adresse du Service, elle, n'a pas bougé. Les clients
# qui passent par le Service, par son adresse IP ou, mieux, par son nom DNS,
# n'ont rien remarqué. C'est le contrat d'un Service : une façade durable
# devant des pods éphémères.

# %% [markdown]
# ## Parler au Service
#
# Une ClusterIP est virtuelle : aucune machine ne la possède. Sur un vrai
# cluster, les règles de kube-proxy, sur chaque nœud, interceptent les paquets
# qui lui sont envoyés et les redirigent vers un pod. Depuis votre ordinateur,
# hors du cluster, cette adresse ne mène nulle part. Sur le moteur kwok, c'est
# encore moins que cela : les adresses des pods et des Services sont *simulées*
# (pas de kube-proxy, aucun conteneur derrière). Dans ce cours, nous ne nous
# connectons **jamais** aux adresses des pods ou des Services depuis la machine
# du lab : nous passons par l'API server, ou bien par un autre pod.
#
# Pour entrer depuis l'extérieur, on utilise un **port-forward**, comme avec
# `kubectl port-forward service/web 8080:80`. Notez bien qui fait quoi : le
# *client* (kubectl, ou ici la bibliothèque) lit le Service, choisit **un** de
# ses pods et demande à l'API server d'ouvrir un flux vers *ce pod-là* ; l'API
# server relaie les octets jusqu'au nœud du pod, et le nœud jusque dans le pod.
# Le routage du Service n'intervient pas du tout. `lab.http_get` envoie une
# requête par ce chemin :

# %%
response = lab.http_get("service/web", 80, "/", namespace)
print(response.status, "· simulated:", response.simulated)
print(response.body[:300])

# %% [markdown]
# Sur le moteur host (comme sur kind ou minikube), c'est nginx lui-même qui
# répond, avec la page « web 1.0 ». Sur kwok, la réponse vient d'un minuscule
# serveur simulé (son en-tête `X-K8slab-Simulated: true` et son texte le
# disent), mais elle est bien passée par le vrai API server, jusqu'au pod que
# le client a choisi.
#
# `lab.port_forward` garde un port local ouvert tant que s'exécute un bloc
# `with` : n'importe quel client HTTP de votre machine peut alors s'en servir,
# ici le module `urllib` de Python. Le port local est sur `127.0.0.1`, votre
# propre machine. Nous demandons `/hello`, dont la réponse nomme le pod qui l'a
# servie :

# %%
with (lab.port_forward("service/web", 80, namespace) as local_port,
      urllib.request.urlopen(f"http://127.0.0.1:{local_port}/hello", timeout=10) as answer):
    forwarded_status = answer.status
    hello = answer.read().decode().strip()
    print(f"127.0.0.1:{local_port} ->", answer.status, answer.headers.get("Server"))
    print(hello if real_containers else hello[:120] + "...")

# %% [markdown]
# Le pod qui a répondu (sur un vrai moteur, son nom figure dans la réponse) est
# l'un des trois endpoints : celui que le client a choisi au démarrage du
# forward. Un port-forward reste attaché à ce pod. C'est un outil de
# débogage, pas un répartiteur de charge : le vrai trafic passe par l'adresse
# IP du Service (dans le cluster, section suivante) ou par les points d'entrée
# de la section NodePort et du notebook 10.

# %%
served_by = hello.split()[2] if real_containers else None
print("served by:", served_by or "(kwok: a simulated answer names no pod)",
      "· one of the endpoints:", served_by in after if served_by else "-")
lab.record("http_status", response.status)
lab.record("http_simulated", response.simulated)
lab.record("http_body", response.body)
lab.record("port_forward_status", forwarded_status)
lab.record("hello", hello)
lab.record("hello_pod", served_by)

# %% [markdown]
# ## Depuis l'intérieur du cluster : un nom et une adresse répartie
#
# Dans le cluster, un client appelle tout simplement `web` (ou `web:80`) : le
# DNS transforme ce nom en ClusterIP, et les règles de kube-proxy, sur le nœud,
# envoient chaque nouvelle connexion vers l'un des endpoints prêts, tiré au
# hasard. Jouons le rôle de ce client : un petit pod BusyBox, depuis lequel
# nous utilisons `nslookup` et `nc` (netcat, avec une requête HTTP brute
# écrite à la main).

# %%
lab.apply("manifests/06-services-client.yaml", namespace)
lab.wait("Pod", "client", namespace, timeout=timeout)

# %% [markdown]
# Sur kwok, ce pod est simulé lui aussi, et un `exec` y lancerait la commande
# sur la machine du lab elle-même, pas dans un pod : la cellule suivante
# n'envoie donc rien sur ce moteur. Sur un vrai moteur, elle demande au DNS le
# nom complet du Service, puis fait six requêtes vers `web:80` (le nom court
# marche aussi : le `/etc/resolv.conf` du pod cite
# `<namespace>.svc.cluster.local` parmi les domaines à essayer) :

# %%
REQUEST = r"printf 'GET /hello HTTP/1.0\r\nHost: web\r\n\r\n' | nc -w 3 web 80 | tail -n 1"
if real_containers:
    lookup = lab.exec("pod/client", f"nslookup web.{namespace}.svc.cluster.local", namespace)
    print(*(line for line in lookup.splitlines() if line.strip()), sep="\n")
    answers = lab.exec("pod/client", f"for i in 1 2 3 4 5 6; do {REQUEST}; done",
                       namespace).splitlines()
    in_cluster = [line.strip() for line in answers if line.strip()]
    print(*in_cluster, sep="\n")
else:
    lookup, in_cluster = "", []
    print("kwok: no DNS server, no kube-proxy, no container: nothing to ask from inside")

# %% [markdown]
# Sur un vrai moteur, le DNS a répondu avec la ClusterIP du Service, et non
# avec des adresses de pods, et les six réponses viennent en général de
# plusieurs pods (le choix est aléatoire à chaque connexion, si bien que deux
# ou trois noms différents apparaissent). C'est le Service qui fait son vrai
# travail, ce qu'un port-forward ne fait jamais.

# %%
in_cluster_pods = sorted({line.split()[2] for line in in_cluster if line.startswith("Hello")})
print("pods that answered:", in_cluster_pods or "(none on kwok)")
lab.record("dns_answer_has_cluster_ip", cluster_ip in lookup)
lab.record("in_cluster_answers", len(in_cluster))
lab.record("in_cluster_pods", in_cluster_pods)

# %% [markdown]
# ### Exercice 1 : une deuxième porte vers les mêmes pods
#
# Plusieurs Services peuvent sélectionner les mêmes pods. Créez un Service
# nommé `frontend` qui sélectionne les pods `app=web` et écoute sur le port
# **8000**, en transmettant au port 8080 des pods. Partez du manifeste de
# Service affiché plus haut (`lab.apply` accepte aussi du texte YAML). Les
# endpoints apparaissent en moins d'une seconde :
# `wait_for_endpoints("frontend", lambda eps: len(eps) == 3)` les attend.
# Essayez ensuite `lab.http_get("service/frontend", 8000, "/", namespace)`,
# puis lancez la vérification (identifiant de l'exercice : `06.frontend`). La
# solution est cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("06.frontend", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/06-services-frontend.yaml"))
lab.apply("manifests/06-services-frontend.yaml", namespace)
wait_for_endpoints("frontend", lambda eps: len(eps) == 3)
print(lab.http_get("service/frontend", 8000, "/", namespace).status)
lab.check("06.frontend", namespace)

# %% [markdown]
# ## NodePort : un port sur chaque nœud
#
# Une ClusterIP sert les clients situés dans le cluster. Pour laisser entrer du
# trafic venu de l'extérieur, le type le plus simple est **NodePort** : chaque
# nœud ouvre le même port, pris dans la plage 30000-32767, et transmet au
# Service ce qui y arrive. Le Service garde aussi une ClusterIP.

# %%
lab.apply("manifests/06-services-web-nodeport.yaml", namespace)
lab.table("Service", namespace)

# %% [markdown]
# Le manifeste ne donne aucun port de nœud : l'API server en a choisi un libre
# dans la plage et l'a écrit dans le Service. C'est important sur un cluster
# partagé : un port de nœud n'existe qu'une fois pour tout le cluster, et si
# chaque participant d'un atelier demandait le même numéro fixe, seul le
# premier l'obtiendrait. Relisons-le :

# %%
node_port_service = lab.get("Service", "web-nodeport", namespace)
node_port = node_port_service["spec"]["ports"][0]["nodePort"]
print("ports column:", f"80:{node_port}/TCP", "· node port:", node_port)

# %% [markdown]
# Le port 80 sur la ClusterIP, le port `node_port` sur chaque nœud. Qui peut
# l'atteindre ? Cela dépend de l'endroit où se trouvent les nœuds :
#
# - Sur le moteur **host**, le nœud est cette machine, et les règles de
#   kube-proxy interceptent ce port sur l'adresse du nœud. Nous ne l'appelons
#   pas pour autant depuis la machine du lab (c'est la règle réseau du cours) :
#   c'est le pod client qui appelle l'adresse du nœud, comme le ferait une
#   machine de votre réseau. kube-proxy met un instant à écrire les règles d'un
#   nouveau Service : un premier essai peut être refusé.
# - Sur **kind**, les nœuds sont des conteneurs sur votre machine ; seuls les
#   ports que la configuration de kind redirige à l'avance y sont joignables
#   (`manifests/kind-cluster.yaml` redirige le port 30080).
# - Sur **minikube**, `minikube service web-nodeport --url` affiche l'adresse.
# - Sur **kwok**, les nœuds sont simulés et aucun kube-proxy ne tourne : rien
#   n'écoute sur le port de nœud. Le Service est réel (enregistré, validé, doté
#   de son port), mais aucun trafic ne peut passer par lui.
#
# Dans le cloud, le type **LoadBalancer** va un cran plus loin : le fournisseur
# de cloud place devant les ports des nœuds un répartiteur de charge doté d'une
# adresse publique. Le notebook 10 montre la voie habituelle pour le trafic
# web : un Ingress.

# %%
node = lab.get("Node", lab.get("Pod", "client", namespace)["spec"]["nodeName"])
node_ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
if real_containers:
    request = REQUEST.replace("nc -w 3 web 80", f"nc -w 3 {node_ip} {node_port}")
    for _ in range(15):  # kube-proxy programme le nouveau port en une ou deux secondes
        via_node_port = lab.exec("pod/client", request, namespace).strip()
        print(f"{node_ip}:{node_port} ->", via_node_port)
        if via_node_port.startswith("Hello"):
            break
        time.sleep(1)
else:
    via_node_port = ""
    print(f"kwok: node {node['metadata']['name']} ({node_ip}) is simulated; "
          f"nothing listens on port {node_port}")

# %%
lab.record("nodeport_type", node_port_service["spec"]["type"])
lab.record("node_port", node_port)
lab.record("via_node_port", via_node_port)

# %% [markdown]
# ## Un Service qui n'atteint personne
#
# Un collègue a écrit un Service pour les pods web, nommé `storefront`. Il a été
# accepté sans la moindre plainte, et pourtant toutes les requêtes qui passent
# par lui échouent. Regardons cela.

# %%
lab.apply("manifests/06-services-storefront.yaml", namespace)
lab.table("Service", namespace)

# %% [markdown]
# Sa colonne `endpoints` est vide. L'API server ne peut pas refuser un tel
# Service : un sélecteur qui ne correspond à aucun pod *aujourd'hui* en trouvera
# peut-être demain. Une faute de frappe dans un sélecteur passe donc inaperçue.
# `lab.diagnose` compare le sélecteur aux labels des pods du namespace :

# %%
storefront_diagnosis = lab.diagnose("Service", "storefront", namespace)
print(storefront_diagnosis)
lab.table("Pod", namespace, labels={"app": "web"})[["name", "phase"]]

# %% [markdown]
# Avec kubectl, les deux choses à comparer sont le `Selector` du Service (dans
# `describe`, à côté de `Endpoints: <none>`) et les labels des pods :

# %%
# %kubectl describe service storefront -n {namespace}
# %kubectl get pods -n {namespace} --show-labels

# %% [markdown]
# Et une requête qui passe par lui n'a aucun pod où aller :

# %%
try:
    lab.http_get("service/storefront", 80, "/", namespace)
    storefront_error = ""
except lab.K8sLabError as err:
    storefront_error = err.message
    print(err.message)

# %%
storefront_slices = lab.list("EndpointSlice", namespace,
                             labels={"kubernetes.io/service-name": "storefront"})
lab.record("storefront_endpoints", len(ready_endpoints(storefront_slices)))
lab.record("storefront_diagnosis", storefront_diagnosis)
lab.record("storefront_error", storefront_error)

# %% [markdown]
# ### Exercice 2 : réparer le storefront
#
# Faites en sorte que le Service `storefront` atteigne les pods web. Seul son
# sélecteur est faux : appliquez-le de nouveau avec un sélecteur qui correspond
# aux labels des pods (lesquels ? `lab.get("Pod", name, namespace)["metadata"]["labels"]`
# vous le dira). Contrairement à la spec d'un pod, le sélecteur d'un Service
# peut être modifié sur place. Attendez les endpoints
# (`wait_for_endpoints("storefront", lambda eps: len(eps) > 0)`), puis lancez la
# vérification (identifiant de l'exercice : `06.fix-selector`). La solution est
# cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("06.fix-selector", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/06-services-storefront-fixed.yaml"))
lab.apply("manifests/06-services-storefront-fixed.yaml", namespace)
wait_for_endpoints("storefront", lambda eps: len(eps) > 0)
lab.check("06.fix-selector", namespace)

# %% [markdown]
# ## Tourner ne veut pas dire être prêt
#
# Un Service n'envoie du trafic qu'aux endpoints **prêts**, et « prêt », c'est
# ce que dit la **readiness probe** du pod : le kubelet l'interroge
# régulièrement (ici par un HTTP GET) et ne marque le pod prêt que tant qu'elle
# réussit. Un pod peut donc tourner indéfiniment sans jamais rien recevoir. Un
# autre collègue a déployé une boutique, `shop` : deux pods et un Service. Les
# pods sont `Running`, et pourtant la boutique est injoignable :

# %%
lab.apply("manifests/06-services-shop.yaml", namespace)


def shop_unhealthy_events() -> list[str]:
    """The messages of the Unhealthy events of the shop's pods."""
    events = lab.events(namespace)
    mine = events[(events["reason"] == "Unhealthy") & events["object"].str.contains("shop-")]
    return list(mine["message"])


def shop_stuck() -> bool:
    """Both shop pods run, none is ready, and the kubelet said why (an HTTP answer)."""
    pods = [p for p in lab.list("Pod", namespace, labels={"app": "shop"})
            if p["status"].get("phase") == "Running"]
    ready = [p for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                    for c in p["status"].get("conditions") or [])]
    answered = [m for m in shop_unhealthy_events() if "statuscode" in m]
    return len(pods) == 2 and not ready and bool(answered)


deadline = time.monotonic() + timeout
while not shop_stuck():  # regarder une fois par seconde : la sonde passe toutes les 2 s
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The shop pods did not settle.", "Look at lab.events(namespace).")
    time.sleep(1)
lab.table("Pod", namespace, labels="app=shop")

# %% [markdown]
# Ils tournent, mais ne sont pas prêts (`READY 0/1`, dans le vocabulaire de
# kubectl) ; le Service liste les deux pods dans sa slice, marqués
# `ready: false`, et n'a aucun endpoint *prêt* vers lequel envoyer du trafic.
# Les avertissements du namespace disent pourquoi :

# %%
# %kubectl get pods -n {namespace} -l app=shop
# %kubectl events -n {namespace} --types=Warning

# %% [markdown]
# Les mêmes messages, et le verdict de la slice, lus dans l'API :

# %%
print(*sorted(set(shop_unhealthy_events())), sep="\n")
unhealthy = next(m for m in shop_unhealthy_events() if "statuscode" in m)
shop_slices = lab.list("EndpointSlice", namespace,
                       labels={"kubernetes.io/service-name": "shop"})
print("shop endpoints:", [(ep["targetRef"]["name"], ep["conditions"].get("ready"))
                          for s in shop_slices for ep in s.get("endpoints") or []])
lab.record("shop_ready_endpoints", len(ready_endpoints(shop_slices)))
lab.record("shop_unhealthy_message", unhealthy)

# %% [markdown]
# Sur un vrai nœud, c'est nginx lui-même qui a répondu `404` à la sonde ; sur
# kwok, kwok rejoue la même réponse (son message le précise), en fonction du
# chemin de la sonde. Sur un vrai nœud très chargé, vous verrez peut-être aussi
# `connection refused` : une première sonde, lancée avant que nginx n'écoute.
# Celle-là est sans gravité (une sonde qui échoue puis réussit rend le pod prêt
# un peu plus tard) ; le `404`, lui, ne l'est pas.
#
# ### Exercice 3 : ouvrir la boutique
#
# Faites des pods `shop` des endpoints prêts de leur Service. Regardez la sonde
# dans le manifeste (`lab.manifest("manifests/06-services-shop.yaml")`),
# comparez-la aux pages que sert l'image web (`/`, `/hello`, `/healthz`,
# `/whoami`), corrigez le YAML et appliquez-le. Le Deployment déploie de
# nouveaux pods (`%kubectl rollout status deployment/shop -n {namespace}` suit
# ce rollout) ; attendez deux endpoints prêts avec
# `wait_for_endpoints("shop", lambda eps: len(eps) == 2)`, puis lancez la
# vérification (identifiant de l'exercice : `06.readiness`). La solution est
# cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("06.readiness", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/06-services-shop-fixed.yaml"))
lab.apply("manifests/06-services-shop-fixed.yaml", namespace)
wait_for_endpoints("shop", lambda eps: len(eps) == 2)
# %kubectl rollout status deployment/shop -n {namespace} --timeout=60s
lab.check("06.readiness", namespace)

# %% [markdown]
# Les Services du namespace, et leurs endpoints, une fois les exercices faits :

# %%
services = lab.table("Service", namespace)
lab.record("services", sorted(services["name"]))
services

# %% [markdown]
# ## Résumé
#
# - Un **Service** donne à un ensemble changeant de pods un nom stable et une
#   adresse IP virtuelle stable (sa ClusterIP). Il trouve ses pods grâce à un
#   **sélecteur de labels**.
# - Le contrôleur EndpointSlice liste les pods correspondants dans des
#   **EndpointSlices**, chacun marqué prêt ou non ; sur chaque nœud, kube-proxy
#   route la ClusterIP vers les pods prêts, un pod au hasard par connexion.
# - Tous les pods peuvent être remplacés : les endpoints changent, le Service
#   ne change pas.
# - Dans le cluster, les clients appellent le Service par son nom DNS. De
#   l'extérieur, un **port-forward** (`lab.http_get`, `lab.port_forward`)
#   atteint un pod choisi par le client, en passant par l'API server.
# - **NodePort** ouvre le même port sur chaque nœud ; laissez l'API server le
#   choisir. Sur kwok, rien n'écoute dessus.
# - Un sélecteur qui ne correspond à aucun pod laisse le Service sans
#   endpoints, sans la moindre erreur nulle part : regardez la colonne
#   `endpoints`, ou interrogez `lab.diagnose`.
# - Un pod qui tourne mais échoue à sa **readiness probe** reste à l'écart des
#   endpoints prêts du Service : ses événements `Unhealthy` disent pourquoi.
#
# ## Et ensuite ?
#
# [07 · D'autres charges de travail](07-workloads.ipynb) présente les autres
# contrôleurs : les Jobs et les CronJobs pour les tâches qui se terminent, les
# StatefulSets pour les pods qui ont besoin d'une identité stable, les
# DaemonSets pour un pod par nœud.
#
# ## Nettoyage
#
# Supprimez le namespace de ce notebook et tout ce qu'il contient.

# %%
lab.cleanup(namespace)
