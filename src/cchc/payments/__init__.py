"""Fees paid online through a payment gateway, and at the counter with a receipt number (issue 14, item 3).

A payment row per attempt (`models.Payment`); the gateway behind an interface (`gateway.Gateway`), VNPay's published
protocol first (`vnpay`); the dossier's fee paid / paid online flags are set only by a confirmed payment, through
`cchc.dossiers.service.record_payment` as the system (online) or as the officer (counter); reconciliation against
the gateway's query answers (`cchc payments reconcile`); the electronic receipt (`receipt`).
"""
