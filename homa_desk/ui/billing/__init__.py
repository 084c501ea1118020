"""The Billing page: bills, payments, UPI with the customer display, held money and receipts."""
