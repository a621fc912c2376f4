"""Internal purchases: one activity of the node buys from another.

A purchase between two activities of the same node is a **transfer** of budget, not a sale: no
invoice, no contribution, no VAT, no guarantee-fund share. It moves money from the buyer's budget
to the seller's with one journal entry of two postings (kind ``transfer``), once the seller has
accepted it (or at once when staff record it).
"""
