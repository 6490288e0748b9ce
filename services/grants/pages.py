route_handlers: list = []
