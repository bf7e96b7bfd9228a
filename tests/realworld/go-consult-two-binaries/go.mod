module consult_app.cedrickewi

go 1.24.0

toolchain go1.24.1

require (
	github.com/go-chi/chi/v5 v5.2.1
	github.com/lib/pq v1.10.9
	go.uber.org/zap v1.27.0
)
