from fastapi import FastAPI, status, HTTPException
import schemas
import models
import utils
from database import engine, get_db
from sqlalchemy.orm import Session
from fastapi import Depends
from typing import List

models.Base.metadata.create_all(bind=engine)
app = FastAPI()


@app.get("/")
async def root():
    return {"message": "Hello World...nishant"}
