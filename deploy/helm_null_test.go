package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHelmRendersNoNullFields: no field of a rendered object is null (a
// key with nothing under it). With the default values the StatefulSet
// rendered "volumes:" alone, null, because the template wrote the key
// whether or not a volume followed: the API server takes it as absent,
// but a schema check (kubeconform --strict) or a GitOps diff sees a field
// that is not there. Each combination that adds or removes a volume, an
// optional object or a list is rendered.
func TestHelmRendersNoNullFields(t *testing.T) {
	helm := lookHelm(t)
	targets := "controller.targets[0].name=web,controller.targets[0].query=up"
	for _, set := range []string{
		"",
		"controller.persistence.enabled=false",
		targets,
		targets + ",controller.persistence.enabled=false",
		"keda.enabled=true,serviceMonitor.enabled=true,controller.apiToken.value=s3cret78",
		"keda.enabled=true,keda.hpaTolerance=0,keda.currentQuery=,keda.fallback.behavior=",
		"controller.shards=3,exporter.hostNetwork=false",
	} {
		args := []string{}
		if set != "" {
			args = append(args, "--set", set)
		}
		for kind, objs := range mustTemplate(t, helm, args...) {
			for _, o := range objs {
				var nulls []string
				nullFields(o.raw, kind+"/"+o.Metadata.Name, &nulls)
				require.Empty(t, nulls, "--set %q: null fields", set)
			}
		}
	}
}

// nullFields appends the path of every null value under v.
func nullFields(v any, path string, out *[]string) {
	switch v := v.(type) {
	case nil:
		*out = append(*out, path)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			nullFields(v[k], path+"."+k, out)
		}
	case []any:
		for i, e := range v {
			nullFields(e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func TestNullFields(t *testing.T) {
	var out []string
	nullFields(map[string]any{"spec": map[string]any{"volumes": nil, "a": []any{1, nil}}, "b": "x"}, "o", &out)
	require.Equal(t, "o.spec.a[1] o.spec.volumes", strings.Join(out, " "))
}
