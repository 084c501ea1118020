"""Payment gateways behind one small interface (base.PaymentGateway): simulator, Razorpay, static UPI."""
