package configs

import (
	"os"

	"gopkg.in/yaml.v3"
)

func Read(path string, cfg interface{}) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(data, cfg)
}
