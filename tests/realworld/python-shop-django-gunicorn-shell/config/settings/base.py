import environ

root = environ.Path(__file__) - 3
env = environ.Env()
BASE_DIR = root()

environ.Env.read_env(env.str(root(), '.env'))

ROOT_URLCONF = 'config.urls'

WSGI_APPLICATION = 'config.wsgi.application'

STATIC_URL = 'static/'

DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'
