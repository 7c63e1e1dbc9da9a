"""Celery 5.2 with the result compression of celery/celery#10504.

Celery 5.2 reads ``result_compression`` but never applies it to results. The release that
carries #10504 compresses in ``Backend.encode`` and undoes it in ``Backend.decode``, with the
compression content type written in band behind a marker. This module installs exactly that
behaviour on Debian's Celery 5.2 so the interop suite can check resultkit against it: Python
writes compressed results that resultkit reads, and reads the ones resultkit writes.

    compressed_results.py store <backend url> <compression> <task id>   (result JSON on stdin)
    compressed_results.py get <backend url> <task id>                   (prints status and result)
    compressed_results.py compress <compression>                        (bytes on stdin and stdout)
    compressed_results.py decompress                                    (bytes on stdin and stdout)
"""
import json
import sys

from celery import Celery
from celery.backends import base
from kombu.compression import compress, decompress
from kombu.serialization import loads

MAGIC = b'\x00celery-compressed\x00'


def compress_payload(payload, compression):
    body, content_type = compress(payload, compression)
    return MAGIC + content_type.encode('utf-8') + b'\x00' + body


def decompress_payload(payload):
    if isinstance(payload, memoryview):
        payload = payload.tobytes()
    if not isinstance(payload, (bytes, bytearray)) or not payload.startswith(MAGIC):
        return payload
    content_type, _, body = payload[len(MAGIC):].partition(b'\x00')
    return decompress(body, content_type.decode('utf-8'))


def encode(self, data):
    _, _, payload = self._encode(data)
    compression = getattr(self, 'result_compression_method', None)
    return compress_payload(payload, compression) if compression else payload


def decode(self, payload):
    if payload is None:
        return payload
    payload = decompress_payload(payload or str(payload))
    return loads(payload, content_type=self.content_type,
                 content_encoding=self.content_encoding, accept=self.accept)


base.Backend.encode = encode
base.Backend.decode = decode


def backend_for(url, compression=None):
    app = Celery('compressed', backend=url)
    app.conf.result_serializer = 'json'
    app.conf.accept_content = ['json']
    backend = app.backend
    backend.result_compression_method = compression
    return backend


def main():
    command = sys.argv[1]
    if command == 'store':
        url, compression, task_id = sys.argv[2:5]
        result = json.loads(sys.stdin.read())
        backend_for(url, compression).store_result(task_id, result, 'SUCCESS')
    elif command == 'get':
        url, task_id = sys.argv[2:4]
        meta = backend_for(url).get_task_meta(task_id)
        print(json.dumps({'status': meta['status'], 'result': meta['result']}))
    elif command == 'compress':
        sys.stdout.buffer.write(compress_payload(sys.stdin.buffer.read(), sys.argv[2]))
    elif command == 'decompress':
        sys.stdout.buffer.write(decompress_payload(sys.stdin.buffer.read()))
    else:
        raise SystemExit(f'unknown command {command}')


if __name__ == '__main__':
    main()
