import discord
from threading import Lock
from dotenv import load_dotenv
import os

load_dotenv()


class MyClient(discord.Client):
	pass


if __name__ == "__main__":
	client = MyClient()
	client.run(os.getenv("TOKEN"))
