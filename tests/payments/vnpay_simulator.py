"""The gateway's side of VNPay's protocol, as a small HTTP server the payment tests run as a process of its own.

    python tests/payments/vnpay_simulator.py --port 8765 --tmn CCHCTEST --secret … --ipn http://127.0.0.1:8000/api/v1/payments/vnpay/ipn

- GET  /paymentv2/vpcpay.html?vnp_…   the merchant's redirect: its signature is checked (400 otherwise); a page with
                                       the buttons of each outcome;
- POST /pay  (txn_ref, outcome)       "pays": signs the result, calls the merchant's IPN (GET, like VNPay), then sends
                                       the browser back to vnp_ReturnUrl with the same signed parameters. Outcomes:
                                       paid, cancel, paid_no_ipn (the bank took it, the IPN never arrived),
                                       wrong_amount (signed, but for another amount), bad_signature (not our secret);
- POST /merchant_webapi/api/transaction   querydr, checksum over the |-joined fields, answered signed;
- POST /_control/replay?txn_ref=…     sends the last notification of a transaction again;
- GET  /_control/txn?txn_ref=…        what the simulator knows of a transaction (the IPN answers it got).

Standard library only; it shares no code with cchc (it follows the protocol from the other side).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import random
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, urlparse

GMT7 = timezone(timedelta(hours=7))
QUERY_SIGNED = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
                "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
ANSWER_SIGNED = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                 "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                 "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount")


def signed_query(params: dict[str, str], secret: str) -> str:
    data = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params.items()) if v != "")
    return data + "&vnp_SecureHash=" + hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


class Simulator:
    def __init__(self, tmn: str, secret: str, ipn: str):
        self.tmn, self.secret, self.ipn = tmn, secret, ipn
        self.orders: dict[str, dict] = {}  # txn_ref → the merchant's request, the outcome, the notifications

    def check(self, params: dict[str, str]) -> bool:
        sent = params.pop("vnp_SecureHash", "")
        params.pop("vnp_SecureHashType", None)
        data = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params.items()) if v != "")
        return hmac.compare_digest(sent, hmac.new(self.secret.encode(), data.encode(), hashlib.sha512).hexdigest())

    def result(self, order: dict, outcome: str) -> str:
        request = order["request"]
        now = datetime.now(GMT7).strftime("%Y%m%d%H%M%S")
        paid = outcome in ("paid", "paid_no_ipn", "wrong_amount", "bad_signature")
        amount = int(request["vnp_Amount"]) * (2 if outcome == "wrong_amount" else 1)
        params = {
            "vnp_TmnCode": self.tmn, "vnp_Amount": str(amount), "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{random.randint(10**7, 10**8)}",
            "vnp_CardType": "ATM", "vnp_OrderInfo": request["vnp_OrderInfo"], "vnp_PayDate": now,
            "vnp_ResponseCode": "00" if paid else "24", "vnp_TransactionNo": str(random.randint(10**7, 10**8)),
            "vnp_TransactionStatus": "00" if paid else "02", "vnp_TxnRef": request["vnp_TxnRef"],
        }
        order.update(paid=paid and outcome != "wrong_amount", amount=amount, result=params)
        query = signed_query(params, "not-the-merchant-secret" if outcome == "bad_signature" else self.secret)
        order["last_query"] = query
        return query

    def notify(self, order: dict) -> dict:
        with urllib.request.urlopen(f"{self.ipn}?{order['last_query']}", timeout=20) as response:
            answer = json.loads(response.read().decode())
        order.setdefault("ipn_answers", []).append(answer)
        return answer

    def querydr(self, body: dict) -> dict:
        data = "|".join(str(body.get(k, "")) for k in QUERY_SIGNED)
        if body.get("vnp_SecureHash") != hmac.new(self.secret.encode(), data.encode(), hashlib.sha512).hexdigest():
            answer = {"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"}
        else:
            order = self.orders.get(body.get("vnp_TxnRef", ""))
            answer = {"vnp_ResponseId": body["vnp_RequestId"], "vnp_Command": "querydr", "vnp_TmnCode": self.tmn,
                      "vnp_TxnRef": body.get("vnp_TxnRef", ""), "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
                      "vnp_PromotionCode": "", "vnp_PromotionAmount": ""}
            if order is None or "result" not in order:
                answer.update(vnp_ResponseCode="91", vnp_Message="Khong tim thay giao dich", vnp_Amount="", vnp_BankCode="",
                              vnp_PayDate="", vnp_TransactionNo="", vnp_TransactionType="", vnp_TransactionStatus="")
            else:
                r = order["result"]
                answer.update(vnp_ResponseCode="00", vnp_Message="QueryDR Success", vnp_Amount=str(order["amount"]),
                              vnp_BankCode=r["vnp_BankCode"], vnp_PayDate=r["vnp_PayDate"], vnp_TransactionNo=r["vnp_TransactionNo"],
                              vnp_TransactionType="01", vnp_TransactionStatus="00" if order["paid"] else "02")
        answer["vnp_SecureHash"] = hmac.new(self.secret.encode(), "|".join(answer.get(k, "") for k in ANSWER_SIGNED).encode(),
                                            hashlib.sha512).hexdigest()
        return answer


PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thanh toán (mô phỏng)</title></head><body>
<h1>Cổng thanh toán VNPay (mô phỏng)</h1><p>Đơn hàng {ref}: <strong id="so-tien">{amount}</strong> VND — {info}</p>
<form method="post" action="/pay"><input type="hidden" name="txn_ref" value="{ref}">
<button name="outcome" value="paid" id="thanh-toan">Thanh toán</button>
<button name="outcome" value="cancel" id="huy">Hủy giao dịch</button></form></body></html>"""


def handler_for(sim: Simulator):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: the tests read answers, not logs
            pass

        def _send(self, status: int, body: str, kind: str = "text/html; charset=utf-8", headers: dict | None = None) -> None:
            raw = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            url = urlparse(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            if url.path == "/paymentv2/vpcpay.html":
                request = dict(params)
                if not sim.check(params) or params.get("vnp_TmnCode") != sim.tmn:
                    return self._send(400, "Sai chữ ký (vnp_SecureHash) hoặc mã website")
                sim.orders[params["vnp_TxnRef"]] = {"request": request}
                return self._send(200, PAGE.format(ref=html.escape(params["vnp_TxnRef"]), amount=int(params["vnp_Amount"]) // 100,
                                                   info=html.escape(params.get("vnp_OrderInfo", ""))))
            if url.path == "/_control/txn":
                order = sim.orders.get(params.get("txn_ref", ""))
                return self._send(200 if order else 404, json.dumps(order or {}), "application/json")
            self._send(404, "Không có trang này")

        def do_POST(self) -> None:
            url = urlparse(self.path)
            if url.path == "/pay":
                form = dict(parse_qsl(self._body().decode()))
                order = sim.orders.get(form.get("txn_ref", ""))
                if order is None:
                    return self._send(404, "Không có đơn hàng này")
                query = sim.result(order, form.get("outcome", "paid"))
                if form.get("outcome") != "paid_no_ipn":
                    sim.notify(order)
                return self._send(302, "", headers={"Location": f"{order['request']['vnp_ReturnUrl']}?{query}"})
            if url.path == "/merchant_webapi/api/transaction":
                answer = sim.querydr(json.loads(self._body() or b"{}"))
                return self._send(200, json.dumps(answer), "application/json")
            if url.path == "/_control/replay":
                order = sim.orders.get(dict(parse_qsl(url.query)).get("txn_ref", ""))
                if order is None or "last_query" not in order:
                    return self._send(404, "{}", "application/json")
                return self._send(200, json.dumps(sim.notify(order)), "application/json")
            self._send(404, "Không có trang này")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tmn", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--ipn", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(Simulator(args.tmn, args.secret, args.ipn)))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
