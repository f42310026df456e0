#!/usr/bin/env python3
"""Raw-byte checks of one relay answer captured by `curl -sN -D HEADERS -o BODY` (used by
tests/scripts/test_sse_framing.sh). Prints "<n> events" and exits 0, or prints the problems
and exits 1.

usage: sse_framing_check.py HEADERS BODY MODE
MODE: chat             data-only events, `data: [DONE]\\n\\n` last (chat and completions)
      responses        `event: <type>` + `data: <json>` blocks, no [DONE], response.completed last
      chat_error       ends with one `data: {"error":...}` event, no [DONE]
      responses_error  ends with the upstream's response.failed, no [DONE]
      json:<status>    a non-stream OpenAI error body with that status (429 also checks
                       Retry-After and the usage-limit extras)
"""
import json
import sys


def parse_head(raw):
    lines = raw.split("\r\n")
    parts = lines[0].split() if lines else []
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
    hdr = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            hdr.setdefault(k.strip().lower(), []).append(v.strip())
    return status, hdr


def check_json_error(status, hdr, body, want, problems):
    if status != want:
        problems.append(f"status {status}, want {want}")
    if not (hdr.get("content-type") or [""])[0].startswith("application/json"):
        problems.append(f"content-type {hdr.get('content-type')}")
    try:
        err = json.loads(body)["error"]
    except Exception as e:  # noqa: BLE001 - any failure means "not an OpenAI error"
        problems.append(f"body is not an OpenAI error ({e}): {body[:200]!r}")
        return
    for k in ("message", "type", "code", "param"):
        if k not in err:
            problems.append(f"error object lacks {k}")
    if not isinstance(err.get("message"), str) or not err["message"]:
        problems.append("empty error message")
    if want == 429:
        if hdr.get("retry-after") != ["7200"]:
            problems.append(f"retry-after {hdr.get('retry-after')}, want 7200")
        for k, v in (("resets_in_seconds", 7200), ("plan_type", "plus"),
                     ("code", "usage_limit_reached")):
            if err.get(k) != v:
                problems.append(f"error.{k} = {err.get(k)!r}, want {v!r}")
        if not isinstance(err.get("resets_at"), int):
            problems.append("error.resets_at missing")


def split_events(text, with_event_lines, problems):
    """[(event name or None, parsed data or "[DONE]")] of a body of blank-line-ended blocks."""
    if not text.endswith("\n\n"):
        problems.append(f"body does not end with a blank line: {text[-40:]!r}")
        blocks = text.split("\n\n")
    else:
        blocks = text[:-2].split("\n\n")
    events = []
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if "\r" in block or "" in lines:
            problems.append(f"block {i} has a CR or an extra blank line: {block[:80]!r}")
            continue
        name = None
        if with_event_lines:
            if len(lines) != 2 or not lines[0].startswith("event: "):
                problems.append(f"block {i} is not 'event:' then 'data:': {block[:120]!r}")
                continue
            name = lines[0][len("event: "):]
            lines = lines[1:]
        if len(lines) != 1 or not lines[0].startswith("data: "):
            problems.append(f"block {i} is not one data line: {block[:120]!r}")
            continue
        data = lines[0][len("data: "):]
        if data == "[DONE]":
            events.append((name, "[DONE]"))
            continue
        try:
            obj = json.loads(data)
        except ValueError:
            problems.append(f"block {i} data is not JSON: {data[:120]!r}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"block {i} data is not an object")
            continue
        if name is not None and obj.get("type") != name:
            problems.append(f"block {i}: event {name!r} but data.type {obj.get('type')!r}")
        events.append((name, obj))
    return events


def check_stream(status, hdr, body, mode, problems):
    if status != 200:
        problems.append(f"status {status}")
    if hdr.get("content-type") != ["text/event-stream"]:
        problems.append(f"content-type {hdr.get('content-type')} (want exactly text/event-stream)")
    if "content-length" in hdr:
        problems.append("Content-Length on a stream")
    if [v.lower() for v in hdr.get("transfer-encoding", [])] != ["chunked"]:
        problems.append(f"transfer-encoding {hdr.get('transfer-encoding')}, want chunked")
    text = body.decode("utf-8")
    events = split_events(text, mode.startswith("responses"), problems)
    done = [i for i, (_, o) in enumerate(events) if o == "[DONE]"]
    objs = [o for _, o in events if o != "[DONE]"]
    errors = [o for o in objs if "error" in o and o.get("type") is None]
    if mode == "chat":
        if done != [len(events) - 1] or not text.endswith("data: [DONE]\n\n"):
            problems.append(f"[DONE] at {done} of {len(events)} events (want exactly last)")
        if len(objs) < 2 or errors:
            problems.append(f"{len(objs)} chunks, {len(errors)} error events")
        if objs and objs[0].get("object") not in ("chat.completion.chunk", "text_completion"):
            problems.append(f"first chunk object {objs[0].get('object')!r}")
    elif mode == "chat_error":
        if done:
            problems.append("[DONE] after an in-band error")
        if not objs or "error" not in objs[-1]:
            problems.append('the stream does not end with a data: {"error":...} event')
        elif len(errors) != 1 or not objs[-1]["error"].get("message"):
            problems.append(f"{len(errors)} error events / error without message")
        if len(objs) < 2:
            problems.append("no content before the error")
    elif mode == "responses":
        if done:
            problems.append("[DONE] in a responses stream")
        if not events or events[-1][0] != "response.completed":
            problems.append(f"last event {events[-1][0] if events else None!r}, "
                            "want response.completed")
    elif mode == "responses_error":
        if done:
            problems.append("[DONE] after an in-band error")
        last = events[-1] if events else (None, {})
        if last[0] != "response.failed":
            problems.append(f"last event {last[0]!r}, want response.failed")
        elif last[1].get("response", {}).get("error", {}).get("code") != "server_is_overloaded":
            problems.append("response.failed is not the upstream's, verbatim")
    return len(events)


def main():
    head = open(sys.argv[1], "rb").read().decode("latin-1")
    body = open(sys.argv[2], "rb").read()
    mode = sys.argv[3]
    status, hdr = parse_head(head)
    problems = []
    if mode.startswith("json:"):
        check_json_error(status, hdr, body, int(mode[5:]), problems)
        summary = f"status {status}"
    else:
        summary = f"{check_stream(status, hdr, body, mode, problems)} events"
    if problems:
        print("; ".join(problems))
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
