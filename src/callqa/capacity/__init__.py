"""Capacity and cost: measure this machine's whole-call throughput (`callqa bench`), size a deployment
for a given call volume and compare its monthly cost with public-cloud speech-to-text (`callqa plan`)."""
