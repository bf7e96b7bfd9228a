from flask import Blueprint, render_template, request
from flask_login import login_required, current_user

from .api.WeatherData import WeatherData
from . import db
from .model import User

import requests
import json

app = Blueprint('app', __name__)

@app.route('/')
def index():
    return render_template('index.html')
