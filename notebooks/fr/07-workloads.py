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
# # 07 · D'autres charges de travail
#
# Un Deployment traite ses pods comme interchangeables : n'importe lequel peut
# être remplacé par un pod neuf, avec un nouveau nom, une nouvelle adresse et
# un disque vide. Cela convient à un frontal web, pas à une base de données.
# Kubernetes propose d'autres contrôleurs pour d'autres besoins : les
# **StatefulSets** pour des pods qui doivent garder un nom et un disque, les
# **DaemonSets** pour un pod sur chaque nœud, les **Jobs** pour un travail qui
# se termine, et les **CronJobs** pour un travail qui revient selon un
# calendrier. Ce notebook lance chacun d'eux et observe son comportement.

# %% [markdown]
# ## Vue d'ensemble
#
# 1. Lancer un StatefulSet et voir ses pods démarrer l'un après l'autre, chacun
#    avec un nom stable, un enregistrement DNS stable et son propre disque.
# 2. Supprimer des pods d'un StatefulSet, changer leur nombre, et constater que
#    les noms et les disques survivent.
# 3. Lancer un DaemonSet et compter ses pods par nœud.
# 4. Lancer des Jobs : nombre de réussites, parallélisme, nouvelles tentatives
#    et délais.
# 5. Planifier un travail avec un CronJob, garder un court historique, et le
#    lancer à la demande.
# 6. Comprendre pourquoi un StatefulSet ne démarre jamais, et le réparer.

# %% [markdown]
# ## Prérequis
#
# | Notions | Importance | Remarques |
# | --- | --- | --- |
# | [04 · Les pods](04-pods.ipynb) | Nécessaire | Phases d'un pod, `lab.watch` |
# | [05 · Les Deployments](05-deployments.ipynb) | Nécessaire | Contrôleurs, réplicas, rollouts |
# | [06 · Les Services](06-services.ipynb) | Utile | Les Services choisissent leurs pods par label |
#
# **Temps d'apprentissage** : 35 minutes
#
# Rien des notebooks précédents n'a besoin d'exister : la cellule de mise en
# place ci-dessous part d'un namespace (espace de noms) vide, et tous les
# objets sont créés ici.

# %% [markdown]
# ## Paramètres

# %% tags=["parameters"]
import os  # namespace : le vôtre dans un hub d'atelier (K8SLAB_NAMESPACE), sinon celui du notebook

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb07-workloads")
timeout = 60                   # secondes d'attente d'un contrôleur avant d'abandonner

# %% [markdown]
# ## Mise en place
#
# Deux fonctions de la bibliothèque apparaissent ici pour la première fois :
# `lab.scale`, qui change le nombre de réplicas comme `kubectl scale`, et
# `lab.job_from_cronjob`, qui prépare un Job à partir d'un CronJob comme
# `kubectl create job --from=cronjob/...`. Pour les commandes que vous
# taperiez sur n'importe quel cluster, une cellule qui commence par `%kubectl`
# lance le vrai kubectl du lab sur le cluster du lab (`{namespace}` y est
# remplacé par le namespace de ce notebook).

# %% tags=["setup"]
import time

import k8slab as lab

lab.setup(namespace)

# %% [markdown]
# Quel moteur fait tourner ce lab ? Avec le moteur **host** (comme avec kind
# ou minikube), les pods sont de vrais conteneurs : les pods d'un Job lancent
# vraiment leur commande et laissent de vrais journaux, et chaque pod d'un
# StatefulSet reçoit un vrai répertoire sur un disque. Avec le moteur
# **kwok**, les contrôleurs sont tout aussi réels, mais kwok joue le rôle des
# nœuds : aucun conteneur ne tourne, les pods d'un Job « réussissent » après
# un court délai, et les volumes n'existent que comme objets de l'API. Les
# cellules indiquent lequel des deux vous avez vu.

# %%
status = lab.status()
engine = status["engine"]
# Les nœuds disent si des conteneurs tournent (un participant d'atelier voit le moteur "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
nodes = [n["metadata"]["name"] for n in lab.list("Node")]
print(f"engine: {engine} · {len(nodes)} node(s): {', '.join(nodes)} ·",
      "real containers" if real_containers else "simulated nodes (kwok)")

# %% [markdown]
# ## Les StatefulSets : des pods qui ont une identité
#
# Un StatefulSet donne à chacun de ses pods une **identité persistante** : un
# nom formé du nom de l'ensemble et d'un numéro d'ordre (`web-0`, `web-1`,
# `web-2`), un enregistrement DNS qui suit ce nom, et son propre stockage.
# Remplacez `web-1`, et le nouveau pod s'appelle de nouveau `web-1`, avec le
# même nom DNS et le même disque. C'est ce dont ont besoin les applications
# avec état et les applications en grappe : les membres d'un cluster de base
# de données se trouvent par leur nom, et chacun doit retrouver ses propres
# données après un redémarrage.
#
# Notre manifeste contient deux objets. Cherchez trois choses dans le
# StatefulSet : `serviceName`, `podManagementPolicy: OrderedReady` et
# `volumeClaimTemplates`.

# %%
lab.manifest("manifests/07-workloads-statefulset.yaml")

# %% [markdown]
# - Le **Service headless** `web` (`clusterIP: None`) n'a pas d'IP virtuelle
#   à lui. À la place, le DNS répond avec un enregistrement par pod :
#   `web-0.web.<namespace>.svc.cluster.local`, et ainsi de suite.
# - `OrderedReady` (la valeur par défaut) démarre les pods **dans l'ordre** :
#   `web-1` n'est créé qu'une fois `web-0` en marche et prêt (Ready), `web-2`
#   une fois `web-1` prêt. Les membres d'un cluster en ont souvent besoin : le
#   premier crée le cluster, les suivants le rejoignent.
# - `volumeClaimTemplates` crée une demande de volume (PersistentVolumeClaim)
#   par pod.
#
# Appliquons-le et regardons les pods arriver. La cellule affiche la création
# et le démarrage de chaque pod, avec le temps écoulé depuis l'application.

# %%
lab.apply("manifests/07-workloads-statefulset.yaml", namespace)
start, sequence = time.monotonic(), []
for _, pod in lab.watch("Pod", namespace, labels="app=web", timeout=timeout):
    name, phase = pod["metadata"]["name"], pod["status"].get("phase", "Pending")
    for fact in [f"{name} created"] + ([f"{name} Running"] if phase == "Running" else []):
        if fact not in sequence:
            sequence.append(fact)
            print(f"{time.monotonic() - start:4.1f}s  {fact}")
    if "web-2 Running" in sequence:
        break

# %% [markdown]
# Chaque pod a attendu que le précédent tourne. Un Deployment aurait créé les
# trois d'un coup, avec des suffixes aléatoires dans leurs noms.

# %%
lab.record("sts_sequence", sequence)
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# ### Un disque par pod
#
# Le contrôleur du StatefulSet a créé une demande pour chaque pod, nommée
# `<modèle>-<pod>` : `data-web-0`, `data-web-1`, `data-web-2`. Le modèle ne
# nomme aucune StorageClass : chaque demande reçoit donc la classe **par
# défaut** du cluster (l'API server écrit son nom dans la demande), dont le
# provisionneur crée un volume pour chaque demande (le notebook 09 explique
# comment) : chaque demande est `Bound` (liée) à un volume qui lui est propre.

# %%
claims = {c["metadata"]["name"]: c for c in lab.list("PersistentVolumeClaim", namespace)}
for name, claim in claims.items():
    print(name, claim["status"]["phase"], claim["spec"]["storageClassName"],
          "->", claim["spec"]["volumeName"])
provisioners = {lab.get("PersistentVolume", c["spec"]["volumeName"])["metadata"]
                .get("annotations", {}).get("pv.kubernetes.io/provisioned-by")
                for c in claims.values()}
print("provisioned by:", ", ".join(sorted(p or "?" for p in provisioners)))
lab.record("claims", sorted(claims))
lab.record("provisioners", sorted(p or "?" for p in provisioners))

# %% [markdown]
# Avec le moteur host, le provisionneur est un vrai provisionneur : chaque
# volume est un répertoire de cette machine, monté dans son pod, d'où nginx
# sert ses pages (`/usr/share/nginx/html`). Avec kwok, le provisionneur est
# kwok lui-même, et le volume n'est qu'un objet. Donnons à `web-1` une page
# bien à lui, écrite sur son disque depuis l'intérieur du pod (avec kwok, il
# n'y a pas de disque où écrire, et `exec` s'exécuterait sur la machine du
# lab : la cellule saute donc cette étape) :

# %%
PAGE = "/usr/share/nginx/html/index.html"
if real_containers:
    lab.exec("pod/web-1", f"echo 'the data of web-1' > {PAGE}", namespace)
    print("web-1 serves:", lab.http_get("pod/web-1", 8080, "/", namespace).body.strip())
else:
    print("kwok: no disk and no nginx behind web-1; nothing written")

# %% [markdown]
# ### Une identité réseau stable
#
# Chaque pod porte son propre `hostname` et, comme `subdomain`, le nom du
# Service ; ensemble, ils forment son nom DNS. Le Service headless liste
# chaque pod sous son nom d'hôte dans son EndpointSlice : c'est là que le
# serveur DNS du cluster (CoreDNS) lit ses enregistrements. Nous lisons
# d'abord cette source, puis, sur un moteur réel, nous interrogeons le DNS
# lui-même depuis `web-0`.

# %%
web_service = lab.get("Service", "web", namespace)
pod = lab.get("Pod", "web-1", namespace)
print("Service clusterIP:", web_service["spec"]["clusterIP"])
print("web-1 hostname:", pod["spec"]["hostname"], "· subdomain:", pod["spec"]["subdomain"])
print("DNS name:", f"{pod['spec']['hostname']}.{pod['spec']['subdomain']}.{namespace}"
      ".svc.cluster.local")

# %%
slices = lab.list("EndpointSlice", namespace, labels="kubernetes.io/service-name=web")
hostnames = sorted(e["hostname"] for s in slices for e in s.get("endpoints") or [])
lab.record("headless_cluster_ip", web_service["spec"]["clusterIP"])
lab.record("dns_hostnames", hostnames)
hostnames

# %%
web1_name = f"web-1.web.{namespace}.svc.cluster.local"
if real_containers:
    lookup = lab.exec("pod/web-0", f"nslookup {web1_name}", namespace)
    web1_ip = lab.get("Pod", "web-1", namespace)["status"]["podIP"]
    print("\n".join(line for line in lookup.splitlines() if line.strip()))
    print(f"web-1's pod IP is {web1_ip}: DNS answers with the pod itself, no virtual IP")
    lab.record("dns_resolves_web1", web1_ip in lookup)
else:
    print(f"kwok: no DNS server runs; {web1_name} is only a name you can read")
    lab.record("dns_resolves_web1", None)

# %% [markdown]
# ### Remplacer un pod : même nom, même disque
#
# Supprimez `web-1`. Le contrôleur du StatefulSet remarque que `web-1` manque
# et le recrée : un nouveau pod (nouvel uid, peut-être un autre nœud et une
# autre IP), avec le **même nom** et la **même demande** de volume ; il
# retrouve donc ses données.

# %%
old = lab.get("Pod", "web-1", namespace)
lab.delete("Pod", "web-1", namespace)
new = lab.wait("Pod", "web-1", namespace, timeout=timeout, until=lambda p: (
    p["metadata"]["uid"] != old["metadata"]["uid"] and p["status"].get("phase") == "Running",
    f"replacement phase {p['status'].get('phase', 'Pending')}"))

# %%
def claim_of(pod: dict) -> str:
    """The claim a StatefulSet pod mounts."""
    return next(v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
                if "persistentVolumeClaim" in v)


print("uid:  ", old["metadata"]["uid"], "->", new["metadata"]["uid"])
print("claim:", claim_of(old), "->", claim_of(new))
lab.record("replaced_same_name", new["metadata"]["name"] == "web-1")
lab.record("replaced_new_uid", new["metadata"]["uid"] != old["metadata"]["uid"])
lab.record("replaced_same_claim", claim_of(new) == claim_of(old))

# %% [markdown]
# Et sur un moteur réel, la preuve que le disque est revenu : le nouveau
# `web-1` sert la page que son prédécesseur a écrite.

# %%
if real_containers:
    kept_page = lab.http_get("pod/web-1", 8080, "/", namespace).body.strip()
    print("the new web-1 serves:", kept_page)
else:
    kept_page = None
    print("kwok: nothing was written, so there is nothing to read back")
lab.record("web1_page_after_replace", kept_page)

# %% [markdown]
# ### Réduire : le numéro le plus élevé part en premier, son disque reste
#
# Réduire le nombre de réplicas retire les pods par la fin, `web-2` d'abord.
# Sa demande de volume n'est **pas** supprimée : par défaut, un StatefulSet
# garde les demandes (`persistentVolumeClaimRetentionPolicy`), car les
# données sont précieuses. Nous notons quel volume porte `data-web-2`, pour
# vérifier plus tard qu'il n'est pas perdu.

# %%
volume_of_web2 = lab.get("PersistentVolumeClaim", "data-web-2", namespace)["spec"]["volumeName"]
lab.scale("StatefulSet", "web", namespace, 2)
lab.wait("Pod", "web-2", namespace, until="deleted", timeout=timeout)
lab.table("Pod", namespace, labels="app=web")

# %%
remaining_claims = sorted(c["metadata"]["name"]
                          for c in lab.list("PersistentVolumeClaim", namespace))
lab.record("claims_after_scale_down", remaining_claims)
remaining_claims

# %% [markdown]
# ### Exercice 1 : remonter, jusqu'à quatre
#
# Passez le StatefulSet `web` à **4** réplicas avec kubectl
# (`%kubectl scale statefulset/web --replicas=4 -n {namespace}`, ou
# `lab.scale("StatefulSet", "web", namespace, 4)`), puis suivez le rollout
# avec `%kubectl rollout status statefulset/web -n {namespace}`. Observez de
# nouveau l'ordre : `web-2` revient d'abord, puis `web-3`. Identifiant de
# l'exercice : `07.scale-web`. La solution est cachée dans la cellule qui suit
# la vérification.

# %%
# Votre code ici

# %%
lab.check("07.scale-web", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl scale statefulset/web --replicas=4 -n {namespace}
# %kubectl rollout status statefulset/web -n {namespace} --timeout=60s
lab.check("07.scale-web", namespace)

# %% [markdown]
# `web-2` a-t-il retrouvé son ancien disque ? Sa demande `data-web-2` a été
# gardée : le pod qui revient monte donc le même volume qu'avant ; `web-3` a
# reçu une nouvelle demande.

# %%
again = lab.get("PersistentVolumeClaim", "data-web-2", namespace)["spec"]["volumeName"]
print("data-web-2 volume before:", volume_of_web2)
print("data-web-2 volume now:   ", again)
lab.record("web2_same_volume", again == volume_of_web2)

# %% [markdown]
# ## Les DaemonSets : un pod par nœud
#
# Un DaemonSet fait tourner **un pod sur chaque nœud** (ou sur chaque nœud
# qui correspond à un sélecteur). Ajoutez un nœud, il reçoit un pod ;
# retirez-en un, son pod disparaît. C'est la forme des services au niveau du
# nœud : collecteurs de journaux, agents de supervision, plugins de stockage
# ou de réseau. Remarquez ce que le manifeste ne dit *pas* : pas de
# `replicas`.

# %%
lab.apply("manifests/07-workloads-daemonset.yaml", namespace)
lab.wait("DaemonSet", "node-agent", namespace, timeout=timeout)
agents = lab.table("Pod", namespace, labels="app=node-agent")
agents[["name", "phase", "node"]]

# %%
per_node = agents.groupby("node").size().to_dict()
lab.record("daemonset_pods_per_node", per_node)
print(f"{len(nodes)} node(s), {len(agents)} agent(s):", per_node)

# %% [markdown]
# Un agent par nœud, autant que le nombre affiché ci-dessus, quel que soit le
# cluster : un sur l'unique vrai nœud du moteur host, un par nœud simulé avec
# kwok (deux, sauf si `k8slab up --nodes` en a décidé autrement), aucun sur un
# nœud dont les agents ne tolèrent pas les taints (voir plus bas). Chaque
# agent apprend le nom de son nœud par la variable `NODE_NAME`, remplie à
# partir du champ `spec.nodeName` du pod lui-même (le notebook 08 traite des
# variables). Sur un moteur réel, son journal est réel :

# %%
for _ in range(10):  # un agent qui vient de démarrer n'a peut-être encore rien écrit
    agent_log = lab.logs(agents["name"].iloc[0], namespace).strip()
    if agent_log:
        break
    time.sleep(0.5)
print(agent_log)
lab.record("agent_log", agent_log)

# %% [markdown]
# ### Chaque nœud ? Taints et tolerations
#
# « Chaque nœud » veut dire chaque nœud dont le pod tolère les **taints**. Un
# taint est une marque posée sur un nœud qui en éloigne les pods
# (`NoSchedule`), voire les expulse (`NoExecute`), sauf si un pod porte une
# **toleration** correspondante. Le nœud du plan de contrôle (control plane)
# d'un cluster kind porte le taint
# `node-role.kubernetes.io/control-plane:NoSchedule` : sur kind (un plan de
# contrôle, deux nœuds de travail), ce DaemonSet fait donc tourner deux agents, pas
# trois. minikube, lui, ne pose pas de taint sur son nœud du plan de
# contrôle : sur le profil minikube du kit (trois nœuds), il en fait donc
# tourner trois. Les agents qui
# doivent tourner partout (collecteurs de journaux, plugins réseau) ajoutent
# une toleration pour ce taint. Les nœuds du lab :

# %%
# %kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints

# %%
for node in lab.list("Node"):
    taints = node["spec"].get("taints") or []
    print(node["metadata"]["name"], "taints:",
          [f"{x['key']}:{x['effect']}" for x in taints] or "none")

# %% [markdown]
# Le contrôleur des DaemonSets ajoute lui-même des tolerations à ses pods,
# pour qu'un agent reste sur un nœud à court de mémoire ou brièvement
# injoignable, là où des pods ordinaires seraient expulsés :

# %%
agent = lab.get("Pod", agents["name"].iloc[0], namespace)
tolerated = sorted({t["key"] for t in agent["spec"].get("tolerations") or []})
print(*tolerated, sep="\n")
lab.record("agent_tolerations", tolerated)

# %% [markdown]
# ## Les Jobs : un travail qui se termine
#
# Les pods d'un Deployment doivent tourner indéfiniment ; si l'un s'arrête, il
# est redémarré. Un **Job** lance des pods jusqu'à ce qu'un certain nombre
# d'entre eux aient *réussi*, puis s'arrête. Ses réglages :
#
# - `completions` : combien de pods réussis il faut (1 par défaut) ;
# - `parallelism` : combien peuvent tourner en même temps (1 par défaut) ;
# - `backoffLimit` : combien de pods en échec tolérer avant que le Job
#   échoue (6 par défaut) ; les pods en échec sont relancés avec un délai
#   croissant (10 s, 20 s, 40 s...) ;
# - `restartPolicy` du modèle de pod : `Never` (un échec crée un nouveau pod)
#   ou `OnFailure` (le kubelet redémarre le conteneur dans le même pod).
#
# Notre Job demande 4 réussites, 2 à la fois. La cellule affiche les compteurs
# du Job chaque fois qu'ils changent, et retient le plus grand nombre de pods
# actifs en même temps.

# %%
lab.apply("manifests/07-workloads-job.yaml", namespace)
most_active, last = 0, None
for _, job in lab.watch("Job", namespace, name="batch", timeout=timeout):
    counts = {k: (job.get("status") or {}).get(k, 0) for k in ("active", "succeeded", "failed")}
    most_active = max(most_active, counts["active"])
    if counts != last:
        print(counts)
        last = counts
    if counts["succeeded"] == 4:
        break

# %%
batch = lab.wait("Job", "batch", namespace, timeout=timeout)
lab.record("job_succeeded", batch["status"]["succeeded"])
lab.record("job_most_active", most_active)
lab.table("Pod", namespace, labels="job-name=batch")[["name", "phase", "node"]]

# %% [markdown]
# Les pods terminés restent, en phase `Succeeded`, pour que vous puissiez lire
# leurs journaux ; `ttlSecondsAfterFinished` sur le Job supprimerait le Job et
# ses pods quelque temps après la fin. Sur un moteur réel, chaque pod a
# vraiment exécuté `echo ...; sleep 2` ; avec kwok, aucune commande ne
# tourne, chaque pod du Job « réussit » environ deux secondes après son
# démarrage, et son journal est celui, simulé, de kwok.

# %%
job_pod = lab.list("Pod", namespace, labels={"job-name": "batch"})[0]["metadata"]["name"]
job_log = lab.logs(job_pod, namespace).strip()
print(f"{job_pod}:", job_log)
lab.record("job_log", job_log)

# %% [markdown]
# ### Quand un Job échoue
#
# Un vrai conteneur peut échouer : il se termine avec un code non nul. Avec
# `restartPolicy: Never`, le contrôleur des Jobs crée alors un nouveau pod et
# compte l'échec ; après `backoffLimit` + 1 pods en échec, le Job est marqué
# `Failed` avec la raison `BackoffLimitExceeded`. (Les pods simulés de kwok
# n'échouent jamais.)
#
# Une autre limite, que tous les moteurs montrent, est le temps :
# `activeDeadlineSeconds` est la durée maximale d'un Job, nouvelles tentatives
# comprises. Notre Job suivant a besoin d'une minute et n'a droit qu'à une
# seconde. Quand le délai est dépassé, le contrôleur des Jobs arrête ses pods
# (SIGTERM, puis SIGKILL après le délai de grâce du pod : 1 s ici, car `sleep`
# ignore SIGTERM) et marque le Job `Failed`, quoi que dise la limite de
# tentatives.

# %%
lab.apply("manifests/07-workloads-job-deadline.yaml", namespace)
too_slow = lab.wait("Job", "too-slow", namespace, timeout=timeout,
                    until="condition=Failed")
failed = next(c for c in too_slow["status"]["conditions"] if c["type"] == "Failed")
print(failed["reason"], "-", failed["message"])
lab.record("deadline_reason", failed["reason"])

# %%
# %kubectl events -n {namespace} --for job/too-slow

# %% [markdown]
# ### Exercice 2 : six vignettes, trois à la fois
#
# Créez un Job nommé `thumbnails` qui demande **6** réussites et fait tourner
# au plus **3** pods en même temps. Partez de
# `manifests/07-workloads-job.yaml` (le texte YAML peut être passé directement
# à `lab.apply`), puis attendez-le avec
# `lab.wait("Job", "thumbnails", namespace)`. Identifiant de l'exercice :
# `07.parallel-job`. La solution est cachée dans la cellule qui suit la
# vérification.

# %%
# Votre code ici

# %%
lab.check("07.parallel-job", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/07-workloads-job-thumbnails.yaml"))
lab.apply("manifests/07-workloads-job-thumbnails.yaml", namespace)
lab.wait("Job", "thumbnails", namespace, timeout=timeout)
lab.check("07.parallel-job", namespace)

# %% [markdown]
# ## Les CronJobs : un travail planifié
#
# Un **CronJob** crée un Job selon un calendrier écrit comme l'écrit `cron`
# sous Unix : cinq champs, *minute heure jour-du-mois mois jour-de-la-semaine*.
# `0 3 * * *` veut dire tous les jours à 03 h 00 ; `*/15 * * * *` veut dire
# toutes les 15 minutes. Autres champs :
#
# - `timeZone` : le fuseau horaire dans lequel le calendrier est lu (ici
#   `Etc/UTC`). Sans lui, le calendrier suit le fuseau de la machine du
#   controller manager ; dans un fuseau à heure d'été, un travail à
#   `30 2 * * *` est sauté ou lancé deux fois les nuits de changement d'heure.
#   Nommez le fuseau (`Europe/Paris`) pour que tout le monde lise le calendrier
#   de la même façon, et préférez des heures qui existent tous les jours ;
# - `concurrencyPolicy` : que faire si l'exécution précédente tourne encore
#   (`Allow`, `Forbid` ou `Replace`) ;
# - `successfulJobsHistoryLimit` et `failedJobsHistoryLimit` : combien de Jobs
#   terminés garder (3 et 1 par défaut) ; les plus anciens sont supprimés.

# %%
lab.apply("manifests/07-workloads-cronjob.yaml", namespace)
report = lab.get("CronJob", "report", namespace)
print(report["spec"]["schedule"], report["spec"]["timeZone"],
      "· keeps", report["spec"]["successfulJobsHistoryLimit"], "successful Job(s)")

# %% [markdown]
# ### Le lancer tout de suite
#
# Personne n'a envie d'attendre 3 heures du matin pour tester un rapport.
# L'astuce habituelle est `kubectl create job --from=cronjob/report` : elle
# fabrique un Job à partir du `jobTemplate` du CronJob, et désigne le CronJob
# comme son **propriétaire**. Grâce à cette référence de propriétaire, le
# CronJob compte le Job dans son historique, et supprimer le CronJob supprime
# aussi le Job. `lab.job_from_cronjob` prépare le même Job ; regardez ses
# `metadata` avant de l'appliquer.

# %%
first_run = lab.job_from_cronjob(report, "report-run-1")
first_run["metadata"]

# %%
lab.apply(first_run, namespace)
run_1 = lab.wait("Job", "report-run-1", namespace, timeout=timeout)

# %% [markdown]
# Le CronJob garde **un** Job réussi (`successfulJobsHistoryLimit: 1`).
# Lancez-le une deuxième fois : dès que la deuxième exécution réussit, le
# contrôleur des CronJobs supprime la première. (Vous faites cela à 3 h UTC ?
# Le calendrier se déclenche aussi, et la liste ci-dessous montre en plus le
# Job qu'il a créé, `report-<nombre>`.)

# %%
lab.apply(lab.job_from_cronjob(report, "report-run-2"), namespace)
lab.wait("Job", "report-run-2", namespace, timeout=timeout)
lab.wait("Job", "report-run-1", namespace, until="deleted", timeout=timeout)
kept = [j["metadata"]["name"] for j in lab.list("Job", namespace, labels="app=report")]
lab.record("cronjob_jobs_kept", kept)
kept

# %%
owner = lab.get("Job", "report-run-2", namespace)["metadata"]["ownerReferences"][0]
lab.record("manual_job_owner", f"{owner['kind']}/{owner['name']}")
print(f"report-run-2 is owned by {owner['kind']}/{owner['name']}")

# %% [markdown]
# ### Exercice 3 : un nettoyage toutes les 15 minutes, et tout de suite
#
# Créez un CronJob nommé `cleanup` qui tourne **toutes les 15 minutes** et
# garde les **3** derniers Jobs réussis (`successfulJobsHistoryLimit: 3`).
# Partez de `manifests/07-workloads-cronjob.yaml` et écrivez son YAML. Puis
# lancez-le une fois tout de suite, sans attendre le calendrier
# (`kubectl create job NOM --from=cronjob/cleanup`, ou `lab.job_from_cronjob`
# comme plus haut), et attendez que cette exécution se termine.
# Identifiant de l'exercice : `07.cronjob-now`. La solution est cachée dans la
# cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("07.cronjob-now", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/07-workloads-cronjob-cleanup.yaml"))
lab.apply("manifests/07-workloads-cronjob-cleanup.yaml", namespace)
# %kubectl create job cleanup-now --from=cronjob/cleanup -n {namespace}
# %kubectl wait job/cleanup-now --for=condition=Complete -n {namespace} --timeout=60s
lab.check("07.cronjob-now", namespace)

# %% [markdown]
# ## Un StatefulSet qui ne démarre jamais
#
# Un collègue a copié un petit cache Redis depuis un autre cluster, sous la
# forme d'un StatefulSet avec un réplica et un disque. Ici, il ne démarre
# jamais :

# %%
lab.apply("manifests/07-workloads-cache.yaml", namespace)


def claim_failed() -> bool:
    """The cache's claim exists and the volume controller said why it has no volume."""
    events = lab.events(namespace, object_name="data-cache-0")
    return bool((events["reason"] == "ProvisioningFailed").any())


deadline = time.monotonic() + timeout
while not claim_failed():  # les contrôleurs répondent en quelques secondes
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The claim data-cache-0 did not fail.",
                              "Look at lab.events(namespace).")
    time.sleep(1)
lab.table("Pod", namespace, labels="app=cache")

# %% [markdown]
# Le pod est `Pending`. Ses événements disent pourquoi le scheduler
# (ordonnanceur) ne le place pas, et la demande de volume qu'il attend dit
# pourquoi elle n'a pas de volume :

# %%
print(lab.diagnose("Pod", "cache-0", namespace))
cache_claim = lab.get("PersistentVolumeClaim", "data-cache-0", namespace)
claim_events = lab.events(namespace, object_name="data-cache-0")
print("data-cache-0:", cache_claim["status"]["phase"], "· class",
      cache_claim["spec"]["storageClassName"])
print(claim_events["message"].iloc[-1])
lab.record("cache_claim_phase", cache_claim["status"]["phase"])
lab.record("cache_claim_reasons", sorted(set(claim_events["reason"])))

# %% [markdown]
# Avec kubectl : le `describe` de la demande se termine par l'événement du
# contrôleur de volumes, et `get storageclass` liste les classes de ce
# cluster :

# %%
# %kubectl describe pvc data-cache-0 -n {namespace}
# %kubectl get storageclass

# %% [markdown]
# La demande réclame une classe, `fast-ssd`, qui existe sur le cluster d'où
# vient le manifeste, pas ici. Personne ne provisionne de volume pour elle, la
# demande reste `Pending`, et le pod qui en a besoin ne peut pas être placé.
# Rien n'échoue bruyamment : les pièces s'attendent les unes les autres.
#
# La correction évidente, changer la classe dans le StatefulSet, est refusée :
# l'API server vous laisse changer le modèle de pod et le nombre de réplicas
# d'un StatefulSet, pas ses `volumeClaimTemplates`. Essayons, avec le modèle
# corrigé :

# %%
try:
    lab.apply(lab.manifest("manifests/07-workloads-cache.yaml")
              .replace("      storageClassName: fast-ssd\n", ""), namespace)
    refused = ""
except lab.K8sLabError as err:
    refused = err.message
print(refused)
lab.record("cache_update_refused", refused)

# %% [markdown]
# ### Exercice 4 : donner un disque au cache
#
# Faites tourner `cache-0` avec une demande de volume `Bound`. Il faut trois
# étapes, dans l'ordre : supprimer le StatefulSet `cache` (son pod part avec
# lui), supprimer la demande `data-cache-0` (un StatefulSet garde ses
# demandes quand il disparaît, sauf si sa `persistentVolumeClaimRetentionPolicy`
# dit `Delete` ; celui-ci n'en fixe aucune, donc `Retain`), et appliquer le
# YAML du cache avec une classe qui
# existe, ou mieux sans aucun `storageClassName`, pour que la demande reçoive
# la classe par défaut du cluster, quel que soit son nom. `%kubectl delete ...`
# attend que ce qu'il supprime ait disparu (`--cascade=foreground` le fait
# aussi attendre les pods d'un StatefulSet) ; attendez ensuite le StatefulSet
# et lancez la vérification (identifiant de l'exercice : `07.unbound`). La
# solution est cachée dans la cellule qui suit la vérification.

# %%
# Votre code ici

# %%
lab.check("07.unbound", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl delete statefulset cache --cascade=foreground -n {namespace}
lab.wait("Pod", "cache-0", namespace, until="deleted", timeout=timeout)
# %kubectl delete pvc data-cache-0 -n {namespace}
print(lab.manifest("manifests/07-workloads-cache-fixed.yaml"))
lab.apply("manifests/07-workloads-cache-fixed.yaml", namespace)
lab.wait("StatefulSet", "cache", namespace, timeout=timeout)
lab.check("07.unbound", namespace)

# %% [markdown]
# La nouvelle demande nomme la classe par défaut, qui a provisionné son
# volume. Sur un moteur réel, Redis y tourne vraiment :

# %%
fixed_claim = lab.get("PersistentVolumeClaim", "data-cache-0", namespace)
print("data-cache-0:", fixed_claim["status"]["phase"], "· class",
      fixed_claim["spec"]["storageClassName"])
cache_ping = (lab.exec("pod/cache-0", "redis-cli ping", namespace).strip()
              if real_containers else "(kwok: no Redis runs)")
print("redis-cli ping:", cache_ping)
lab.record("cache_claim_class", fixed_claim["spec"]["storageClassName"])
lab.record("cache_ping", cache_ping)

# %% [markdown]
# ## Quel contrôleur pour quel travail ?
#
# | Contrôleur | Pods | Noms | Stockage | Usage typique |
# | --- | --- | --- | --- | --- |
# | Deployment | N interchangeables | suffixe aléatoire | partagé ou aucun | frontaux web, API |
# | StatefulSet | N, démarrés dans l'ordre | `name-0`, `name-1`... | une demande par pod | bases de données, applications en grappe |
# | DaemonSet | un par nœud | suffixe aléatoire | en général celui du nœud | journaux, supervision, agents de stockage |
# | Job | jusqu'à N réussites | suffixe aléatoire | quelconque | traitements par lots, migrations |
# | CronJob | un Job à chaque échéance | nom du Job + heure | quelconque | sauvegardes, rapports |

# %% [markdown]
# ## Résumé
#
# - Un StatefulSet donne à ses pods des noms stables (`web-0`...), des
#   enregistrements DNS grâce à un Service headless, et une demande de volume
#   chacun ; il les démarre dans l'ordre et garde leurs demandes quand des
#   pods sont remplacés ou retirés.
# - Un DaemonSet fait tourner un pod par nœud dont il tolère les taints : un
#   vrai nœud avec le moteur host, deux nœuds simulés avec kwok.
# - Un Job lance des pods jusqu'à ce que `completions` aient réussi,
#   `parallelism` à la fois ; `backoffLimit` et `activeDeadlineSeconds`
#   décident quand il échoue.
# - Un CronJob crée des Jobs selon un calendrier cron, supprime les anciens,
#   et peut être lancé à la demande en créant un Job à partir de son modèle,
#   avec une référence de propriétaire.
# - Une demande de volume qui réclame une StorageClass absente du cluster
#   reste `Pending`, et son pod aussi ; `volumeClaimTemplates` ne peut pas
#   changer : la correction consiste à supprimer puis recréer. Ne nommez
#   aucune classe pour obtenir celle du cluster par défaut.
#
# ## Et ensuite ?
#
# [08 · La configuration](08-configuration.ipynb) sépare la configuration des
# images : ConfigMaps, Secrets, et qui a le droit de les lire.
#
# ## Nettoyage
#
# Supprimez le namespace. Ses demandes de volume partent avec lui, et la
# classe `standard` supprime les volumes qu'elle a provisionnés pour elles (sa
# politique de récupération est `Delete`) ; la boucle attend que ces volumes,
# qui appartiennent à tout le cluster, aient eux aussi disparu.

# %%
lab.cleanup(namespace)
for volume in lab.list("PersistentVolume"):
    if (volume["spec"].get("claimRef") or {}).get("namespace") == namespace:
        lab.wait("PersistentVolume", volume["metadata"]["name"], until="deleted",
                 timeout=timeout)
