const express = require("express");
const http = require("http");
const WebSocket = require("ws");
const cors = require("cors");
require("dotenv").config();

const app = express();
app.use(cors());
app.use(express.json());

const server = http.createServer(app);

server.listen(3000, () => {
    console.log("Server is running on http://localhost:3000");
});

const pool = require("./db");
