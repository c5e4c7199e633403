{{/* The chart name, or nameOverride. */}}
{{- define "prescale.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name: the release name when it already contains the chart name. */}}
{{- define "prescale.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of a component's objects (component "controller" or "exporter"):
fullname-component, the fullname cut so that the name is at most 52
characters. The StatefulSet's pods carry the label controller-revision-hash,
its name and a hash of up to 10 characters, and its headless Service is
name-headless: both must be at most 63 characters (a label value, a DNS
label), so a release name over 32 characters failed the install.
*/}}
{{- define "prescale.componentName" -}}
{{- $suffix := printf "-%s" .component -}}
{{- printf "%s%s" (include "prescale.fullname" .root | trunc (int (sub 52 (len $suffix))) | trimSuffix "-") $suffix -}}
{{- end -}}

{{/* Labels of every object; component is "controller" or "exporter". */}}
{{- define "prescale.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: prescale
{{ include "prescale.selectorLabels" . }}
{{- end -}}

{{/*
Selector labels. app.kubernetes.io/name is the program's name
(prescale-controller, prescale-exporter): the ServiceMonitors take the job
label from it, and the alerting rules select those jobs.
*/}}
{{- define "prescale.selectorLabels" -}}
app.kubernetes.io/name: prescale-{{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "prescale.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Name of the Secret holding the API token, or "" without one. */}}
{{- define "prescale.tokenSecret" -}}
{{- if .Values.controller.apiToken.existingSecret -}}
{{- .Values.controller.apiToken.existingSecret -}}
{{- else if include "prescale.apiTokenValue" . -}}
{{- include "prescale.componentName" (dict "root" . "component" "controller") -}}
{{- end -}}
{{- end -}}

{{/* controller.apiToken.value without ASCII white space at its ends: a
file given with --set-file keeps its trailing newline, which no
Authorization header carries (the controller refused the token, exit 2).
What is left must be printable ASCII (no white space, control character
or character beyond ASCII inside, as a bearer token is) of at least 8
bytes (redact.MinHidden), or nothing: the controller's rule
(apitoken.Usable), which it checks at start (exit 2), a CrashLoopBackOff
after the install. The schema says the same, for helm lint, where fail is
no error. Neither quotes the value nor its length. */}}
{{- define "prescale.apiTokenValue" -}}
{{- $v := .Values.controller.apiToken.value | default "" | trimAll "\t\n\v\f\r " -}}
{{- if and $v (or (lt (len $v) 8) (not (regexMatch `^[\x21-\x7e]+$` $v))) -}}
{{- fail "controller.apiToken.value: must be printable ASCII without white space inside, and at least 8 bytes, not counting white space at its ends: prescale-controller refuses another PRESCALE_API_TOKEN at start (exit 2); use random bytes, as `openssl rand -hex 16` prints, or leave it empty for no token" -}}
{{- end -}}
{{- $v -}}
{{- end -}}

{{/* The controller's target name as KEDA selects it. */}}
{{- define "prescale.kedaTarget" -}}
{{- default (default "default" .Values.controller.env.PRESCALE_TARGET_NAME) .Values.keda.target -}}
{{- end -}}

{{/*
The min_units and max_units of the target KEDA scales, as "MIN MAX": its
entry's in controller.targets, else PRESCALE_TARGET_MIN_UNITS and
PRESCALE_TARGET_MAX_UNITS (controller.extraEnv's over controller.env's, as
the container sees them), else the controller's defaults (1 and 10). A
bound whose variable an extraEnv entry takes from valueFrom (a Secret, a
ConfigMap) is "?": its value is not known when the chart renders.
*/}}
{{- define "prescale.kedaTargetBounds" -}}
{{- $env := .Values.controller.env -}}
{{- $min := $env.PRESCALE_TARGET_MIN_UNITS -}}
{{- $x := include "prescale.extraEnvValue" (list "PRESCALE_TARGET_MIN_UNITS" .Values.controller.extraEnv) -}}
{{- if eq $x "?" }}{{ $min = "?" }}{{ else if hasPrefix "=" $x }}{{ $min = trimPrefix "=" $x }}{{ end -}}
{{- if or (kindIs "invalid" $min) (eq (toString $min) "") }}{{ $min = "1" }}{{ end -}}
{{- $max := $env.PRESCALE_TARGET_MAX_UNITS -}}
{{- $x = include "prescale.extraEnvValue" (list "PRESCALE_TARGET_MAX_UNITS" .Values.controller.extraEnv) -}}
{{- if eq $x "?" }}{{ $max = "?" }}{{ else if hasPrefix "=" $x }}{{ $max = trimPrefix "=" $x }}{{ end -}}
{{- if or (kindIs "invalid" $max) (eq (toString $max) "") }}{{ $max = "10" }}{{ end -}}
{{- $kt := include "prescale.kedaTarget" . -}}
{{- range .Values.controller.targets -}}
{{- if eq (toString .name) $kt -}}
{{- if not (kindIs "invalid" .min_units) }}{{ $min = .min_units }}{{ end -}}
{{- if not (kindIs "invalid" .max_units) }}{{ $max = .max_units }}{{ end -}}
{{- end -}}
{{- end -}}
{{- printf "%s %s" (include "prescale.envValue" $min) (include "prescale.envValue" $max) -}}
{{- end -}}

{{/*
What controller.extraEnv (the second of the list given) sets the variable
named by the first to: "=" and its value, "?" when it comes from
valueFrom, "" when no entry names it. The container lists extraEnv after
envFrom's controller.env, so an entry wins over it, and the last entry of
a name over the others.
*/}}
{{- define "prescale.extraEnvValue" -}}
{{- $name := index . 0 -}}
{{- $v := "" -}}
{{- range (index . 1) -}}
{{- if eq (toString .name) $name -}}
{{- if hasKey . "value" }}{{ $v = printf "=%s" (include "prescale.envValue" .value) }}{{ else }}{{ $v = "?" }}{{ end -}}
{{- end -}}
{{- end -}}
{{- $v -}}
{{- end -}}

{{/*
The current_query of the target KEDA scales (keda.currentQuery): "auto"
reads kube-state-metrics' available replicas (ready for a StatefulSet) of
keda.scaleTargetRef, so prescale_current_units is the capacity that serves
and prescale_observed_provisioning_lag_seconds times each scale-up until
its pods are ready; any other value is used as it is; "" (or KEDA off, or
a kind kube-state-metrics has no replicas metric for) gives none.
*/}}
{{- define "prescale.kedaCurrentQuery" -}}
{{- $k := .Values.keda -}}
{{- if $k.enabled -}}
{{- if eq (toString $k.currentQuery) "auto" -}}
{{- $ns := default .Release.Namespace $k.namespace -}}
{{- $kind := default "Deployment" $k.scaleTargetRef.kind -}}
{{- if eq $kind "Deployment" -}}
{{- printf "max(kube_deployment_status_replicas_available{namespace=%q,deployment=%q})" $ns $k.scaleTargetRef.name -}}
{{- else if eq $kind "StatefulSet" -}}
{{- printf "max(kube_statefulset_status_replicas_ready{namespace=%q,statefulset=%q})" $ns $k.scaleTargetRef.name -}}
{{- end -}}
{{- else -}}
{{- toString $k.currentQuery -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
prescale.kedaCurrentQuery when the chart applies it: to PRESCALE_TARGET_CURRENT_QUERY
(no targets file, that variable unset, KEDA scaling the PRESCALE_TARGET_NAME
target), or to the KEDA target's entry in controller.targets without a
current_query of its own; "" otherwise.
*/}}
{{- define "prescale.kedaCurrentQueryApplied" -}}
{{- $cq := include "prescale.kedaCurrentQuery" . -}}
{{- $kt := include "prescale.kedaTarget" . -}}
{{- if $cq -}}
{{- if .Values.controller.targets -}}
{{- range .Values.controller.targets -}}
{{- if and (eq (toString .name) $kt) (not .current_query) -}}
{{- $cq -}}
{{- end -}}
{{- end -}}
{{- else if and (not .Values.controller.env.PRESCALE_TARGET_CURRENT_QUERY) (eq $kt (default "default" .Values.controller.env.PRESCALE_TARGET_NAME)) -}}
{{- $cq -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Pod security context shared by both workloads (distroless nonroot). */}}
{{- define "prescale.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
A PRESCALE_* value from controller.env or exporter.env as the programs read
it. A number in a values file reaches the templates as a float64, which
toString writes with an exponent from a million on: PRESCALE_TARGET_MAX_UNITS
1000000 became "1e+06", which the controller refuses (want a whole number)
at start. A whole number within 1e15 is written with its digits.
*/}}
{{- define "prescale.envValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) (lt . 1e15) (gt . -1e15) -}}
{{- printf "%.0f" . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
The controller StatefulSet's podManagementPolicy: controller.podManagementPolicy
when set; else the installed StatefulSet's, on an upgrade (Kubernetes refuses
a change of the field on an existing StatefulSet, and the chart's 0.1.0
rendered OrderedReady); else Parallel. With OrderedReady, shard i+1 was not
created until shard i was ready, and a controller is ready only once its
history source answers: a sharded install whose Prometheus was still
starting (or down) left every later shard, and its targets, undecided.
*/}}
{{- define "prescale.podManagementPolicy" -}}
{{- $c := .Values.controller -}}
{{- if $c.podManagementPolicy -}}
{{- $c.podManagementPolicy -}}
{{- else -}}
{{- $name := include "prescale.componentName" (dict "root" . "component" "controller") -}}
{{- $installed := lookup "apps/v1" "StatefulSet" .Release.Namespace $name -}}
{{- dig "spec" "podManagementPolicy" "Parallel" $installed -}}
{{- end -}}
{{- end -}}
