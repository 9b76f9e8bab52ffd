# The shared-models Job's image: FFN Lab's own image plus the Debian packages its reading corpus comes
# from (model/lm/corpus.py), which a neuron dictionary is built over and the app image leaves out.
# Build, from the repository's root, after the app image:
#   docker build -t ffnlab . && docker build -t ffnlab-builder -f deploy/k8s/builder.Dockerfile .
ARG BASE=ffnlab
FROM ${BASE}
USER 0
# the versions are the base image's Debian release's (bookworm), as run.sh installs them for the tests
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends wordnet-base fortunes jargon-text \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
