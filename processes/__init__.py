"""Running the system: the embedded stack (`rectiflow up`), the portal alone, the preflight
check, the one-machine rehearsal of Prefect's self-hosting topology and its load balancer.
The top layer: it starts what the layers below it are (the portal of app/, the flows)."""
