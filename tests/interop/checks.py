"""A tiny check runner for the interop scripts: each check prints `pass: NAME` or `fail: NAME: WHY`;
run.sh counts those lines. Reads the mock's address and credentials from SNCC_* variables."""
import os
import sys
import traceback

URL = os.environ["SNCC_URL"]
CLIENT_ID = os.environ["SNCC_CLIENT_ID"]
CLIENT_SECRET = os.environ["SNCC_CLIENT_SECRET"]
ADMIN_PASSWORD = os.environ.get("SNCC_ADMIN_PASSWORD", "")
CA = os.environ.get("SNCC_CA")

_failed = 0


class CheckFailed(Exception):
    pass


def expect(condition, why):
    if not condition:
        raise CheckFailed(why)


def check(name, function, *args):
    """Runs one check; an exception fails it (with its reason), never the script."""
    global _failed
    try:
        function(*args)
        print(f"pass: {name}")
    except CheckFailed as failure:
        _failed += 1
        print(f"fail: {name}: {failure}")
    except Exception:  # a client error is a failed check too
        _failed += 1
        print(f"fail: {name}: {traceback.format_exc(limit=3)}")


async def check_async(name, coroutine_function, *args):
    global _failed
    try:
        await coroutine_function(*args)
        print(f"pass: {name}")
    except CheckFailed as failure:
        _failed += 1
        print(f"fail: {name}: {failure}")
    except Exception:
        _failed += 1
        print(f"fail: {name}: {traceback.format_exc(limit=3)}")


def finish():
    sys.exit(1 if _failed else 0)
