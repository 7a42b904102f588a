#!/usr/bin/env python3
"""Starts a socket-activated service the way systemd would, from its installed
unit files, for test machines where systemd is not running (containers, CI).

usage: unit_launch.py SOCKET_UNIT SERVICE_UNIT CREDENTIALS_DIR
       unit_launch.py --oneshot SERVICE_UNIT CREDENTIALS_DIR

From the .socket: ListenStream (a unix path), SocketUser, SocketGroup,
SocketMode, DirectoryMode. From the .service: ExecStart, User, Group,
Environment, EnvironmentFile, LoadCredential, UMask, StandardInput=socket
(required). It creates and binds the socket, copies each credential into
CREDENTIALS_DIR (owned by User, mode 0400, as systemd does), then forks the
service with the listening socket on fd 0, as User, with exactly the unit's
environment (%d is CREDENTIALS_DIR), and prints its pid. Only what these
units use is understood; anything else in them is refused, so the test
cannot silently run something other than what the units say. With
--oneshot (a Type=oneshot service, such as the one a timer starts) there is
no socket: each ExecStart runs in turn, the same way, and the first that
fails ends the run with its status.
"""
import grp
import os
import pwd
import shlex
import socket
import sys

KNOWN = {
    "Socket": {"ListenStream", "SocketUser", "SocketGroup", "SocketMode", "DirectoryMode", "Accept"},
    "Service": {"Type", "ExecStart", "StandardInput", "StandardOutput", "StandardError", "User", "Group",
                "Environment", "EnvironmentFile", "LoadCredential", "Restart", "RestartSec",
                "RestartPreventExitStatus", "LimitCORE", "UMask"},
}


def parse(path):
    sections, current = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                current = sections.setdefault(line.strip("[]"), [])
                continue
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def settings(sections, name):
    """The [name] section's settings we must honour; hardening lines are
    systemd's to enforce and are skipped, anything unknown is an error."""
    out = {}
    for key, value in sections.get(name, []):
        if key in KNOWN[name]:
            out.setdefault(key, []).append(value)
        elif not (key.startswith(("Protect", "Private", "Restrict", "Memory", "NoNew", "Capability", "Ambient",
                                  "SystemCall", "Lock", "Remove", "ReadWrite", "State", "Cache", "ProcSubset"))):
            sys.exit(f"unit_launch: {name}: {key}= is not understood")
    return out


def become(user, group, umask):
    os.initgroups(user.pw_name, group.gr_gid)
    os.setgid(group.gr_gid)
    os.setuid(user.pw_uid)
    os.umask(umask)
    os.chdir("/")


def prepare(svc, cred_dir):
    """The service's user and group, its credentials copied into cred_dir,
    its environment and its umask."""
    user = pwd.getpwnam(svc["User"][0])
    group = grp.getgrnam(svc.get("Group", [user.pw_name])[0])
    os.makedirs(cred_dir, mode=0o500, exist_ok=True)
    os.chown(cred_dir, user.pw_uid, group.gr_gid)
    for spec in svc.get("LoadCredential", []):
        name, _, source = spec.partition(":")
        target = os.path.join(cred_dir, name)
        with open(source, "rb") as src:
            data = src.read()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400)
        os.write(fd, data)
        os.close(fd)
        os.chown(target, user.pw_uid, group.gr_gid)

    # What systemd itself sets for a service with User=.
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": user.pw_dir,
           "USER": user.pw_name, "LOGNAME": user.pw_name, "SHELL": user.pw_shell, "CREDENTIALS_DIRECTORY": cred_dir}
    for line in svc.get("Environment", []):
        for assignment in shlex.split(line):
            key, _, value = assignment.partition("=")
            env[key] = value.replace("%d", cred_dir)
    for f in svc.get("EnvironmentFile", []):
        optional = f.startswith("-")
        try:
            with open(f.lstrip("-")) as src:
                for raw in src:
                    line = raw.strip()
                    if line and not line.startswith(("#", ";")):
                        key, _, value = line.partition("=")
                        value = value.strip()
                        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                            value = value[1:-1]  # one pair of enclosing quotes, as systemd drops them
                        env[key.strip()] = value
        except FileNotFoundError:
            if not optional:
                raise
    return user, group, env, int(svc.get("UMask", ["0022"])[0], 8)


def main():
    if sys.argv[1] == "--oneshot":
        socket_unit, (service_unit, cred_dir) = None, sys.argv[2:4]
    else:
        socket_unit, service_unit, cred_dir = sys.argv[1:4]
    svc = settings(parse(service_unit), "Service")
    if socket_unit is None:
        if svc.get("Type") != ["oneshot"]:
            sys.exit("unit_launch: --oneshot needs Type=oneshot")
        user, group, env, umask = prepare(svc, cred_dir)
        for line in svc["ExecStart"]:
            argv = shlex.split(line)
            pid = os.fork()
            if pid == 0:
                become(user, group, umask)
                os.execve(argv[0], argv, env)
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"unit_launch: {line} exited {os.waitstatus_to_exitcode(status)}")
        return
    sock = settings(parse(socket_unit), "Socket")
    if svc.get("StandardInput") != ["socket"]:
        sys.exit("unit_launch: the service does not take its socket on fd 0")
    if sock.get("Accept", ["no"]) != ["no"]:
        sys.exit("unit_launch: only Accept=no is understood")

    path = sock["ListenStream"][0]
    os.makedirs(os.path.dirname(path), mode=int(sock.get("DirectoryMode", ["0755"])[0], 8), exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)
    os.chown(path, pwd.getpwnam(sock.get("SocketUser", ["root"])[0]).pw_uid,
             grp.getgrnam(sock.get("SocketGroup", ["root"])[0]).gr_gid)
    os.chmod(path, int(sock.get("SocketMode", ["0666"])[0], 8))

    user, group, env, umask = prepare(svc, cred_dir)
    argv = shlex.split(svc["ExecStart"][0])
    pid = os.fork()
    if pid == 0:
        os.dup2(listener.fileno(), 0)
        os.dup2(2, 1)  # the journal, here: stderr (stdout carries the pid)
        become(user, group, umask)
        os.execve(argv[0], argv, env)
    print(pid, flush=True)


if __name__ == "__main__":
    main()
