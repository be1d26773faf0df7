// Package deploy holds no code: it is where the container image
// (../Containerfile, build-image.sh), the Kubernetes manifests
// (kubernetes/) and the Prometheus alert rules (prometheus/) live, and its
// tests parse them so that they stay consistent with the server: ports,
// probes, environment variables, metric names.
package deploy
