"""A minimal StatusNotifier tray host, for tests: what a GNOME (AppIndicator
extension), KDE or waybar panel does, on a private D-Bus session bus.

It owns org.kde.StatusNotifierWatcher, so the app's libayatana-appindicator
registers its item here instead of falling back to an X11 tray icon, then
reads the item and its menu (com.canonical.dbusmenu) and clicks menu items
exactly as a panel does.

Protocol: one command per line on stdin, one JSON line per answer on stdout.
  wait            the first registered item: {"service", "path"}
  item            the item's properties: {"status", "title", "tooltip", "icon", "menu"}
  layout          the whole menu: {"revision", "items": [{id, label, ...}]}
  click ID        sends the "clicked" event to menu item ID
Spec: https://www.freedesktop.org/wiki/Specifications/StatusNotifierItem/
"""

import asyncio
import json
import sys

from dbus_next import BusType, Message, MessageType, Variant
from dbus_next.aio import MessageBus

WATCHER = "org.kde.StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"
PROPS = "org.freedesktop.DBus.Properties"

items = []
registered = asyncio.Event()


def watcher_props():
    return {
        "RegisteredStatusNotifierItems": Variant("as", [f"{s}{p}" for s, p in items]),
        "IsStatusNotifierHostRegistered": Variant("b", True),
        "ProtocolVersion": Variant("i", 0),
    }


def handle(msg: Message):
    """The watcher's methods, answered by hand so the caller's unique name
    (the item's address) is known."""
    if msg.message_type != MessageType.METHOD_CALL or msg.path != "/StatusNotifierWatcher":
        return None
    if msg.member == "RegisterStatusNotifierItem":
        arg = msg.body[0]
        # appindicator passes its object path; others pass a bus name.
        service, path = (msg.sender, arg) if arg.startswith("/") else (arg, "/StatusNotifierItem")
        items.append((service, path))
        registered.set()
        return Message.new_method_return(msg)
    if msg.member == "RegisterStatusNotifierHost":
        return Message.new_method_return(msg)
    if msg.interface == PROPS and msg.member == "Get":
        return Message.new_method_return(msg, "v", [watcher_props()[msg.body[1]]])
    if msg.interface == PROPS and msg.member == "GetAll":
        return Message.new_method_return(msg, "a{sv}", [watcher_props()])
    return None


async def call(bus, service, path, interface, member, signature="", body=()):
    reply = await bus.call(
        Message(destination=service, path=path, interface=interface, member=member, signature=signature, body=list(body))
    )
    if reply.message_type == MessageType.ERROR:
        raise RuntimeError(f"{member}: {reply.error_name}: {reply.body}")
    return reply.body


def plain(value):
    return value.value if isinstance(value, Variant) else value


def node(layout):
    ident, props, children = layout
    out = {"id": ident}
    for key in ("label", "enabled", "visible", "type", "toggle-type", "toggle-state", "children-display"):
        if key in props:
            out[key.replace("-", "_")] = plain(props[key])
    out["children"] = [node(plain(c)) for c in children]
    return out


async def main():
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    bus.add_message_handler(handle)
    await bus.request_name(WATCHER)
    print(json.dumps({"ready": True}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        words = line.split()
        try:
            if words[0] == "wait":
                await asyncio.wait_for(registered.wait(), 30)
                answer = {"service": items[0][0], "path": items[0][1]}
            elif words[0] == "item":
                service, path = items[0]
                (props,) = await call(bus, service, path, PROPS, "GetAll", "s", [ITEM])
                tooltip = plain(props.get("ToolTip", Variant("(sa(iiay)ss)", ["", [], "", ""])))
                answer = {
                    "status": plain(props.get("Status")),
                    "title": plain(props.get("Title")),
                    "icon": plain(props.get("IconName")),
                    "tooltip": {"title": tooltip[2], "text": tooltip[3]},
                    "menu": plain(props.get("Menu")),
                }
            elif words[0] == "layout":
                service, path = items[0]
                (props,) = await call(bus, service, path, PROPS, "Get", "ss", [ITEM, "Menu"])
                revision, layout = await call(bus, service, plain(props), MENU, "GetLayout", "iias", [0, -1, []])
                answer = {"revision": revision, "items": node(layout)["children"]}
            elif words[0] == "click":
                service, path = items[0]
                (props,) = await call(bus, service, path, PROPS, "Get", "ss", [ITEM, "Menu"])
                await call(bus, service, plain(props), MENU, "Event", "isvu", [int(words[1]), "clicked", Variant("i", 0), 0])
                answer = {"clicked": int(words[1])}
            else:
                answer = {"error": f"unknown command {words[0]!r}"}
        except Exception as e:  # the test prints it
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


asyncio.run(main())
