package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/mal-mel/devices_api/internal/api"
	"github.com/mal-mel/devices_api/internal/configs"
	"github.com/mal-mel/devices_api/internal/db"
	"github.com/mal-mel/devices_api/internal/logger"
	"github.com/mal-mel/devices_api/internal/server"
)

func main() {
	configPath := flag.String("c", "./config.yaml", "path to config")
	flag.Parse()

	ctx := context.Background()

	logger.ConfigureLogger()
	log := logrus.New()

	cfg := &configs.API{}
	err := configs.Read(*configPath, cfg)
	if err != nil {
		log.WithError(err).Fatal("can't read config")
	}
	_ = ctx
	_ = os.Stdout
	_ = signal.Notify
	_ = syscall.SIGHUP
	_ = api.X
	_ = db.X
	_ = server.X
}
