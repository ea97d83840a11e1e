#!/usr/bin/python3
"""Hostile clients of corrald's control socket, for the host tests (Tests/CorraldTests/HostileClientTests).

    hostile-clients.py SOCKET hold UID:COUNT... -- COMMAND...
        Opens COUNT connections as each UID (its effective uid, which SO_PEERCRED reports), each
        sending half a request; runs COMMAND (root's corralctl) while they are held; then prints
        COMMAND's exit code and output, how many connections corrald kept open, and the errors it
        sent to those it refused.
    hostile-clients.py SOCKET idle UID
        Connects as UID, sends half a request, and prints "closed after N s" once corrald hangs up.
    hostile-clients.py SOCKET unread COUNT UNITS -- COMMAND...
        Opens COUNT root connections that each ask `show` of UNITS made-up units and read nothing;
        runs COMMAND while they hold their answers; then reads every answer and prints how many
        arrived whole.
    hostile-clients.py SOCKET reload UNIT
        Asks for a daemon-reload and, once it is acknowledged, asks whether UNIT is active; prints
        whether that answer came while the reload still ran, then the reload's answer.
"""
import os
import socket
import subprocess
import sys
import time

HALF_REQUEST = b"corral=1\nverb=is-act"


def connect(path, uid=0):
    os.seteuid(uid)
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
    finally:
        os.seteuid(0)
    return client


def run(command):
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return f"command exit {done.returncode}: {done.stdout.strip()}"


def read_all(client):
    data = b""
    while chunk := client.recv(65536):
        data += chunk
    return data


def hold(path, groups, command):
    clients = []
    for group in groups:
        uid, count = (int(part) for part in group.split(":"))
        for _ in range(count):
            client = connect(path, uid)
            client.sendall(HALF_REQUEST)
            clients.append(client)
    # corrald accepted every earlier connection before it answered the command's.
    print(run(command))
    held, refusals = 0, []
    for client in clients:
        client.setblocking(False)
        try:
            data = client.recv(4096, socket.MSG_PEEK)
        except BlockingIOError:
            held += 1
            continue
        errors = [line[6:] for line in data.decode().split("\n") if line.startswith("error=")]
        refusals.append(errors[0] if errors else repr(data))
    print(f"held {held}")
    for refusal in sorted(set(refusals)):
        print(f"refused {refusals.count(refusal)}: {refusal}")


def idle(path, uid):
    client = connect(path, uid)
    client.sendall(HALF_REQUEST)
    began = time.monotonic()
    client.settimeout(60)
    read_all(client)
    print(f"closed after {round(time.monotonic() - began)} s")


def unread(path, count, units, command):
    names = "".join(f"unit=made-up-{index}.service\n" for index in range(units))
    request = f"corral=1\nverb=show\n{names}\n".encode()
    clients = []
    for _ in range(count):
        client = connect(path)
        client.sendall(request)
        clients.append(client)
    print(run(command))
    whole = sum(1 for client in clients if read_all(client).endswith(b"\n\n"))
    print(f"whole answers {whole} of {count}")


def reload(path, unit):
    reloading = connect(path)
    reloading.sendall(b"corral=1\nverb=daemon-reload\n\n")
    acknowledgement = b""
    while not acknowledgement.endswith(b"\n\n"):
        acknowledgement += reloading.recv(1)
    query = connect(path)
    query.sendall(f"corral=1\nverb=is-active\nunit={unit}\n\n".encode())
    answer = read_all(query).decode().split("\n")
    reloading.setblocking(False)
    try:
        finished = reloading.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        finished = False
    print(f"is-active {unit}: {[field for field in answer if field.startswith('ActiveState=')]}")
    print("the reload had finished" if finished else "answered during the reload")
    reloading.setblocking(True)
    print(f"reload answer: {read_all(reloading)!r}")


def main(arguments):
    path, mode = arguments[0], arguments[1]
    rest = arguments[2:]
    command = rest[rest.index("--") + 1:] if "--" in rest else []
    options = rest[:rest.index("--")] if "--" in rest else rest
    if mode == "hold":
        hold(path, options, command)
    elif mode == "idle":
        idle(path, int(options[0]))
    elif mode == "reload":
        reload(path, options[0])
    elif mode == "unread":
        unread(path, int(options[0]), int(options[1]), command)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
