"""``python run_bot.py web`` as a real process: serves, answers, logs no texts or session ids,
stops cleanly on SIGTERM; a taken port is a clear error."""

from __future__ import annotations

import socket

import aiohttp

from tests.smtpserver import free_port
from tests.telegram.process import BotProcess, bot_env
from tests.web.client import Api

QUESTION = "Wie bekomme ich einen Kita-Platz?"


async def test_web_command_serves_and_stops_on_sigterm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = bot_env(tmp_path, WEB_PORT=str(port), LOG_LEVEL="DEBUG")
    async with BotProcess(env, "web") as bot, aiohttp.ClientSession() as http:
        await bot.wait_log(f"web chat on http://127.0.0.1:{port}/")
        api = Api(http, f"http://127.0.0.1:{port}")
        status, body, _headers = await api.raw("GET", "/healthz")
        assert status == 200 and body["status"] == "ok"
        reply = await api.message(QUESTION)
        assert "Kita" in reply["replies"][0]["text"]
        await api.poll()
        bot.terminate()
        assert await bot.exit_code() == 0
    assert "stopping the web chat" in bot.log
    assert QUESTION not in bot.log and (api.session or "") not in bot.log


async def test_a_taken_port_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with BotProcess(bot_env(tmp_path, WEB_PORT=str(port)), "web") as bot:
            assert await bot.exit_code() == 2
    assert "web chat cannot listen on 127.0.0.1" in bot.log
