"""An HTTPS server on loopback with a self-signed certificate, for the TLS
test: prints its port, then answers handshakes until killed."""
import http.server
import pathlib
import ssl

here = pathlib.Path(__file__).parent
server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(here / "tls-cert.pem", here / "tls-key.pem")
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
