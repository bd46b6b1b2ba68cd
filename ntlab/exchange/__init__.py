"""A local paper exchange that speaks Alpaca's REST and websocket protocols (127.0.0.1 only).

Heavy imports (starlette, uvicorn, websockets) happen inside the modules' functions.
"""
