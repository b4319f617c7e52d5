import json, base64, struct, zlib, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
def header(name, value):
    n=name.encode(); v=value.encode()
    return struct.pack('>B',len(n))+n+b'\x07'+struct.pack('>H',len(v))+v
def message(event):
    payload=json.dumps({"bytes":base64.b64encode(json.dumps(event).encode()).decode()}).encode()
    h=header(':event-type','chunk')+header(':content-type','application/json')+header(':message-type','event')
    total=12+len(h)+len(payload)+4
    prelude=struct.pack('>II',total,len(h))
    prelude+=struct.pack('>I',zlib.crc32(prelude))
    body=prelude+h+payload
    return body+struct.pack('>I',zlib.crc32(body))
N=[0]
class H(BaseHTTPRequestHandler):
    def log_message(self,*a): sys.stderr.write(self.path+"\n")
    def do_POST(self):
        ln=int(self.headers.get('content-length',0)); req=json.loads(self.rfile.read(ln) or b'{}')
        N[0]+=1; mid="msg_bdrk_%04d"%N[0]
        model=self.path.split('/')[2]
        from urllib.parse import unquote; model=unquote(model)
        usage={"input_tokens":1200+N[0],"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"output_tokens":1}
        msg={"id":mid,"type":"message","role":"assistant","model":model,"content":[],"stop_reason":None,"stop_sequence":None,"usage":usage}
        evs=[{"type":"message_start","message":msg},
             {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}},
             {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi there!"}},
             {"type":"content_block_stop","index":0},
             {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":None},"usage":{"output_tokens":7}},
             {"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":1200,"outputTokenCount":7,"invocationLatency":10,"firstByteLatency":5}}]
        if 'response-stream' in self.path:
            data=b''.join(message(e) for e in evs)
            self.send_response(200); self.send_header('content-type','application/vnd.amazon.eventstream'); self.send_header('x-amzn-requestid','req-%04d'%N[0]); self.send_header('content-length',str(len(data))); self.end_headers(); self.wfile.write(data)
        else:
            msg=dict(msg); msg["content"]=[{"type":"text","text":"Hi there!"}]; msg["stop_reason"]="end_turn"; msg["usage"]=dict(usage,output_tokens=7)
            data=json.dumps(msg).encode()
            self.send_response(200); self.send_header('content-type','application/json'); self.send_header('x-amzn-requestid','req-%04d'%N[0]); self.send_header('content-length',str(len(data))); self.end_headers(); self.wfile.write(data)
ThreadingHTTPServer(('127.0.0.1',8765),H).serve_forever()
