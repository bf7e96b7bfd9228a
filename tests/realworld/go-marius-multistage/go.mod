module github.com/la3mmchen/marius

go 1.13

require (
	github.com/pkg/errors v0.8.1
	github.com/urfave/cli v1.20.1-0.20190203184040-693af58b4d51
	gopkg.in/yaml.v2 v2.2.4
)
