#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_multipart (see fuzz_multipart.cpp for the input format):
uploads as curl and the OpenAI SDKs send them (text, PNG and PDF magic without a declared
type, odd filenames, a missing `file` part, duplicate parts, a bad purpose, an upload over the
fuzzer's 4096-byte limit), raw and chunked, plus structured forms."""
import os
import struct
import sys

out = sys.argv[1]
B = "fuzzbnd"


def part(name, content, filename=None, ctype=None, extra=""):
    head = f'--{B}\r\nContent-Disposition: form-data; name="{name}"'
    if filename is not None:
        head += f'; filename="{filename}"'
    head += extra + "\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    return head.encode() + b"\r\n" + content + b"\r\n"


def raw(mode, parts, boundary=B):
    return bytes([mode]) + boundary.encode() + b"\n" + b"".join(parts) + f"--{B}--\r\n".encode()


def structured(parts):  # (name, filename or None, ctype, content)
    body = b"\x01"
    for name, filename, ctype, content in parts:
        body += bytes([1 if filename is not None else 0])
        for field in (name.encode(), (filename or "").encode(), ctype.encode()):
            body += bytes([len(field)]) + field
        body += struct.pack("<H", len(content)) + content
    return body


purpose = part("purpose", b"user_data")
png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
seeds = {
    "text": raw(0, [purpose, part("file", b"hello\nworld\n", "notes.txt", "text/plain")]),
    "text_chunked_8": raw(0x32, [purpose, part("file", b"hello\nworld\n", "notes.txt", "text/plain")]),
    "png_magic": raw(0, [part("file", png, "image", "application/octet-stream"), purpose]),
    "pdf_magic_chunked_1": raw(0x02, [part("file", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "doc")]),
    "odd_filenames": raw(0, [part("file", b"x", "../../etc/passwd"),
                             part("file", b"y", "naïve ☃.txt")]),
    "filename_star": raw(0, [part("file", b"z", "a.txt", extra="; filename*=UTF-8''b%20c.txt")]),
    "empty_filename": raw(0, [part("file", b"", "")]),
    "missing_file": raw(0, [purpose, part("note", b"no file here")]),
    "duplicate_parts": raw(0, [part("purpose", b"assistants"), purpose,
                               part("file", b"first", "1.txt"), part("file", b"second", "2.txt")]),
    "bad_purpose": raw(0, [part("purpose", b"bad purpose!"), part("file", b"a", "a.txt")]),
    "over_limit": raw(0, [part("file", b"A" * 5000, "big.txt", "text/plain")]),
    "quoted_boundary": bytes([0]) + b'"fuzzbnd"\n' + raw(0, [part("file", b"q", "q.txt")])[9:],
    "no_final_boundary": raw(0, [part("file", b"cut", "c.txt")])[:-12],
    "structured_text": structured([("purpose", None, "", b"user_data"),
                                   ("file", "notes.txt", "text/plain", b"hello\r\n--fuzz\r\n")]),
    "structured_png": structured([("file", "pic", "", png)]),
    "structured_two_files": structured([("file", "a.txt", "", b"A"), ("file", "b.txt", "", b"B")]),
    "structured_no_file": structured([("purpose", None, "", b"assistants")]),
}
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
