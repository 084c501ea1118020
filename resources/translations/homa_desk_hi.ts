<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="hi">
<context>
    <name></name>
    <message>
        <source>Refund — bill {number}</source>
        <translation>रिफ़ंड — बिल {number}</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>रिफ़ंड</translation>
    </message>
    <message>
        <source>{method} {amount} (refundable {refundable})</source>
        <translation>{method} {amount} (रिफ़ंड योग्य {refundable})</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>भुगतान</translation>
    </message>
    <message>
        <source>Receive advance — {name}</source>
        <translation>अग्रिम लें — {name}</translation>
    </message>
    <message>
        <source>Receive advance</source>
        <translation>अग्रिम लें</translation>
    </message>
    <message>
        <source>Money paid ahead (a deposit, a package) stays on the patient&apos;s account and is used on later bills.</source>
        <translation>पहले से दिया गया पैसा (जमा राशि, पैकेज) मरीज़ के खाते में रहता है और आगे के बिलों में लगता है।</translation>
    </message>
    <message>
        <source>e.g. Root canal deposit</source>
        <translation>जैसे रूट कैनाल की जमा राशि</translation>
    </message>
    <message>
        <source>Amount (₹)</source>
        <translation>राशि (₹)</translation>
    </message>
    <message>
        <source>For</source>
        <translation>किसलिए</translation>
    </message>
    <message>
        <source>Use advance — bill {number}</source>
        <translation>अग्रिम लगाएँ — बिल {number}</translation>
    </message>
    <message>
        <source>Use advance</source>
        <translation>अग्रिम लगाएँ</translation>
    </message>
    <message>
        <source>{available} of advances available · balance due {due}</source>
        <translation>{available} अग्रिम उपलब्ध · बकाया {due}</translation>
    </message>
    <message>
        <source>Refund advance {number}</source>
        <translation>अग्रिम {number} वापस करें</translation>
    </message>
    <message>
        <source>{left} of this advance is left to refund.</source>
        <translation>इस अग्रिम में से {left} वापस किया जा सकता है।</translation>
    </message>
    <message>
        <source>Bank transfer reference, or the cash voucher</source>
        <translation>बैंक ट्रांसफ़र का संदर्भ, या नकद वाउचर</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>कारण</translation>
    </message>
    <message>
        <source>No payment on this bill can be refunded.</source>
        <translation>इस बिल का कोई भी भुगतान रिफ़ंड नहीं किया जा सकता।</translation>
    </message>
    <message>
        <source>Cancel bill {number}</source>
        <translation>बिल {number} रद्द करें</translation>
    </message>
    <message>
        <source>Cancel bill</source>
        <translation>बिल रद्द करें</translation>
    </message>
    <message>
        <source>Bill</source>
        <translation>बिल</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>लोड हो रहा है…</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>मद</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>विवरण</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>मात्रा</translation>
    </message>
    <message>
        <source>Rate (₹)</source>
        <translation>दर (₹)</translation>
    </message>
    <message>
        <source>Discount (₹)</source>
        <translation>छूट (₹)</translation>
    </message>
    <message>
        <source>item</source>
        <translation>मद</translation>
    </message>
    <message>
        <source>description</source>
        <translation>विवरण</translation>
    </message>
    <message>
        <source>quantity</source>
        <translation>मात्रा</translation>
    </message>
    <message>
        <source>rate</source>
        <translation>दर</translation>
    </message>
    <message>
        <source>discount</source>
        <translation>छूट</translation>
    </message>
    <message>
        <source>New bill — {name}</source>
        <translation>नया बिल — {name}</translation>
    </message>
    <message>
        <source>Place of supply (GST)</source>
        <translation>आपूर्ति का स्थान (GST)</translation>
    </message>
    <message>
        <source>Add line</source>
        <translation>पंक्ति जोड़ें</translation>
    </message>
    <message>
        <source>Notes (optional)</source>
        <translation>टिप्पणी (वैकल्पिक)</translation>
    </message>
    <message>
        <source>Save bill</source>
        <translation>बिल सहेजें</translation>
    </message>
    <message>
        <source>Patient: {name}</source>
        <translation>मरीज़: {name}</translation>
    </message>
    <message>
        <source>Save the changes to this bill?</source>
        <translation>इस बिल के बदलाव सहेजें?</translation>
    </message>
    <message>
        <source>The price list sets this rate; an admin may change it.</source>
        <translation>यह दर मूल्य सूची से है; इसे केवल एडमिन बदल सकते हैं।</translation>
    </message>
    <message>
        <source>Total {amount}</source>
        <translation>कुल {amount}</translation>
    </message>
    <message>
        <source>Line {number}, {field}: {message}</source>
        <translation>पंक्ति {number}, {field}: {message}</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>दर</translation>
    </message>
    <message>
        <source>Discount</source>
        <translation>छूट</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>राशि</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>तारीख़</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>तरीका</translation>
    </message>
    <message>
        <source>State</source>
        <translation>स्थिति</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>संदर्भ</translation>
    </message>
    <message>
        <source>Received by</source>
        <translation>प्राप्तकर्ता</translation>
    </message>
    <message>
        <source>Take payment…</source>
        <translation>भुगतान लें…</translation>
    </message>
    <message>
        <source>Pay by UPI…</source>
        <translation>UPI से भुगतान…</translation>
    </message>
    <message>
        <source>Use advance…</source>
        <translation>अग्रिम लगाएँ…</translation>
    </message>
    <message>
        <source>Refund…</source>
        <translation>रिफ़ंड…</translation>
    </message>
    <message>
        <source>Resolve held money…</source>
        <translation>रोकी गई राशि का निपटारा…</translation>
    </message>
    <message>
        <source>Cancel bill…</source>
        <translation>बिल रद्द करें…</translation>
    </message>
    <message>
        <source>Print receipt…</source>
        <translation>रसीद प्रिंट करें…</translation>
    </message>
    <message>
        <source>Save PDF…</source>
        <translation>PDF सहेजें…</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>मदें</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>भुगतान</translation>
    </message>
    <message>
        <source>Bill {number}</source>
        <translation>बिल {number}</translation>
    </message>
    <message>
        <source> (No. {number})</source>
        <translation> (क्र. {number})</translation>
    </message>
    <message>
        <source>Doctor: {name}</source>
        <translation>डॉक्टर: {name}</translation>
    </message>
    <message>
        <source>Cancelled: {reason}</source>
        <translation>रद्द: {reason}</translation>
    </message>
    <message>
        <source>Notes: {notes}</source>
        <translation>टिप्पणी: {notes}</translation>
    </message>
    <message>
        <source>Total &lt;b&gt;{total}&lt;/b&gt; · Paid {paid} · Refunded {refunded} · Balance due &lt;b&gt;{due}&lt;/b&gt;</source>
        <translation>कुल &lt;b&gt;{total}&lt;/b&gt; · भुगतान {paid} · रिफ़ंड {refunded} · बकाया &lt;b&gt;{due}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Paid from advance {amount}</source>
        <translation>अग्रिम से चुकाया {amount}</translation>
    </message>
    <message>
        <source>Use advance ({amount} available)…</source>
        <translation>अग्रिम लगाएँ ({amount} उपलब्ध)…</translation>
    </message>
    <message>
        <source>Resolve it: accept it, refund it or move it to another bill.</source>
        <translation>इसका निपटारा करें: स्वीकार करें, रिफ़ंड करें या किसी दूसरे बिल में ले जाएँ।</translation>
    </message>
    <message>
        <source>It does not count as paid until an admin resolves it.</source>
        <translation>एडमिन के निपटारे तक यह भुगतान में नहीं गिनी जाती।</translation>
    </message>
    <message>
        <source>{amount} held for review ({reasons}).</source>
        <translation>{amount} जाँच के लिए रोकी गई ({reasons})।</translation>
    </message>
    <message>
        <source>Save receipt as PDF</source>
        <translation>रसीद PDF के रूप में सहेजें</translation>
    </message>
    <message>
        <source>Receipt saved to {path}.</source>
        <translation>रसीद {path} में सहेजी गई।</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>रद्द</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>भुगतान हो गया</translation>
    </message>
    <message>
        <source>Balance due</source>
        <translation>बकाया</translation>
    </message>
    <message>
        <source>Needs review ({reason})</source>
        <translation>जाँच ज़रूरी ({reason})</translation>
    </message>
    <message>
        <source>, refunded {amount}</source>
        <translation>, रिफ़ंड {amount}</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>लगाया गया</translation>
    </message>
    <message>
        <source>Returned to the advance (bill cancelled)</source>
        <translation>अग्रिम में लौटाया (बिल रद्द)</translation>
    </message>
    <message>
        <source>Paid from advance</source>
        <translation>अग्रिम से चुकाया</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>खुला</translation>
    </message>
    <message>
        <source>Bill No.</source>
        <translation>बिल क्र.</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>प्रतीक्षा में</translation>
    </message>
    <message>
        <source>in consultation</source>
        <translation>परामर्श में</translation>
    </message>
    <message>
        <source>done</source>
        <translation>हो गया</translation>
    </message>
    <message>
        <source>left</source>
        <translation>चले गए</translation>
    </message>
    <message>
        <source>Book an appointment</source>
        <translation>अपॉइंटमेंट बुक करें</translation>
    </message>
    <message>
        <source>No patient chosen</source>
        <translation>कोई मरीज़ नहीं चुना</translation>
    </message>
    <message>
        <source>Choose patient…</source>
        <translation>मरीज़ चुनें…</translation>
    </message>
    <message>
        <source>https://meet.example.com/…</source>
        <translation>https://meet.example.com/…</translation>
    </message>
    <message>
        <source>Symptoms or notes (optional)</source>
        <translation>लक्षण या टिप्पणी (वैकल्पिक)</translation>
    </message>
    <message>
        <source>When</source>
        <translation>कब</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>मरीज़</translation>
    </message>
    <message>
        <source>Meeting link</source>
        <translation>मीटिंग लिंक</translation>
    </message>
    <message>
        <source>Symptoms / notes</source>
        <translation>लक्षण / टिप्पणी</translation>
    </message>
    <message>
        <source>Book</source>
        <translation>बुक करें</translation>
    </message>
    <message>
        <source>Choose the patient first.</source>
        <translation>पहले मरीज़ चुनें।</translation>
    </message>
    <message>
        <source>Cancel the appointment</source>
        <translation>अपॉइंटमेंट रद्द करें</translation>
    </message>
    <message>
        <source>Why (for example: patient is travelling)</source>
        <translation>क्यों (उदाहरण: मरीज़ यात्रा पर है)</translation>
    </message>
    <message>
        <source>Cancel appointment</source>
        <translation>अपॉइंटमेंट रद्द करें</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>रहने दें</translation>
    </message>
    <message>
        <source>Move the appointment</source>
        <translation>अपॉइंटमेंट का समय बदलें</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>बदलें</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>अभी</translation>
    </message>
    <message>
        <source>Free slot</source>
        <translation>खाली स्लॉट</translation>
    </message>
    <message>
        <source>On leave that day: {reason}.</source>
        <translation>उस दिन छुट्टी: {reason}।</translation>
    </message>
    <message>
        <source>On leave that day.</source>
        <translation>उस दिन छुट्टी है।</translation>
    </message>
    <message>
        <source>No free slot that day.</source>
        <translation>उस दिन कोई खाली स्लॉट नहीं।</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>स्थिति</translation>
    </message>
    <message>
        <source>Cancelled because</source>
        <translation>रद्द होने का कारण</translation>
    </message>
    <message>
        <source>Reschedule…</source>
        <translation>समय बदलें…</translation>
    </message>
    <message>
        <source>Cancel appointment…</source>
        <translation>अपॉइंटमेंट रद्द करें…</translation>
    </message>
    <message>
        <source>Check in to queue</source>
        <translation>कतार में चेक इन करें</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>कुल</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>नियत तारीख़</translation>
    </message>
    <message>
        <source>Patient no.</source>
        <translation>मरीज़ क्र.</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>मोबाइल</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>डॉक्टर</translation>
    </message>
    <message>
        <source>Booked — remove from the list</source>
        <translation>बुक हो गया — सूची से हटाएँ</translation>
    </message>
    <message>
        <source>Follow-ups to book (book them in the Schedule, then tick them off)</source>
        <translation>बुक करने वाले फ़ॉलो-अप (शेड्यूल में बुक करें, फिर सही का निशान लगाएँ)</translation>
    </message>
    <message>
        <source>No slot: the front desk books it</source>
        <translation>कोई स्लॉट नहीं: फ़्रंट डेस्क बुक करेगा</translation>
    </message>
    <message>
        <source>Vitals</source>
        <translation>वाइटल्स</translation>
    </message>
    <message>
        <source>Complaints and symptoms</source>
        <translation>शिकायतें और लक्षण</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>निदान</translation>
    </message>
    <message>
        <source>Advice (diet, rest, tests)</source>
        <translation>सलाह (आहार, आराम, जाँचें)</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>टिप्पणियाँ</translation>
    </message>
    <message>
        <source>Symptoms</source>
        <translation>लक्षण</translation>
    </message>
    <message>
        <source>Advice</source>
        <translation>सलाह</translation>
    </message>
    <message>
        <source>℞ Prescription</source>
        <translation>℞ पर्चा</translation>
    </message>
    <message>
        <source>Follow-up on</source>
        <translation>फ़ॉलो-अप की तारीख़</translation>
    </message>
    <message>
        <source>Copy prescription</source>
        <translation>पर्चा कॉपी करें</translation>
    </message>
    <message>
        <source>Past visits</source>
        <translation>पिछली विज़िट</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>सहेजें</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>छोड़ दें</translation>
    </message>
    <message>
        <source>Stay</source>
        <translation>यहीं रहें</translation>
    </message>
    <message>
        <source>Complete visit</source>
        <translation>विज़िट पूरी करें</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>प्रिंट…</translation>
    </message>
    <message>
        <source>Save the changes to this consultation?</source>
        <translation>इस परामर्श के बदलाव सहेजें?</translation>
    </message>
    <message>
        <source>Walk-in: {name}</source>
        <translation>वॉक-इन: {name}</translation>
    </message>
    <message>
        <source>Optional: fever, follow-up, dressing…</source>
        <translation>वैकल्पिक: बुखार, फ़ॉलो-अप, पट्टी…</translation>
    </message>
    <message>
        <source>Give token</source>
        <translation>टोकन दें</translation>
    </message>
    <message>
        <source>patient {number}</source>
        <translation>मरीज़ {number}</translation>
    </message>
    <message>
        <source>on leave today</source>
        <translation>आज छुट्टी पर</translation>
    </message>
    <message>
        <source>⚠ Allergies: {allergies}</source>
        <translation>⚠ एलर्जी: {allergies}</translation>
    </message>
    <message>
        <source>No known allergies</source>
        <translation>कोई ज्ञात एलर्जी नहीं</translation>
    </message>
    <message>
        <source>History: {history}</source>
        <translation>इतिहास: {history}</translation>
    </message>
    <message>
        <source>Completed; the bill is with the front desk.</source>
        <translation>पूरा हुआ; बिल फ़्रंट डेस्क पर है।</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>परामर्श में</translation>
    </message>
    <message>
        <source>No earlier visits.</source>
        <translation>कोई पिछली विज़िट नहीं।</translation>
    </message>
    <message>
        <source>No medicines.</source>
        <translation>कोई दवा नहीं।</translation>
    </message>
    <message>
        <source>Symptoms: {text}</source>
        <translation>लक्षण: {text}</translation>
    </message>
    <message>
        <source>Diagnosis: {text}</source>
        <translation>निदान: {text}</translation>
    </message>
    <message>
        <source>Your unsaved changes of {time} are back: Save or Complete visit keeps them.</source>
        <translation>{time} के बिना सहेजे बदलाव वापस आ गए हैं: सहेजें या विज़िट पूरी करें से वे रखे जाएँगे।</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>सहेजा गया।</translation>
    </message>
    <message>
        <source>Follow-up booked.</source>
        <translation>फ़ॉलो-अप बुक हो गया।</translation>
    </message>
    <message>
        <source>Follow-up sent to the front desk to book.</source>
        <translation>फ़ॉलो-अप बुक करने के लिए फ़्रंट डेस्क को भेजा गया।</translation>
    </message>
    <message>
        <source>Completed. Bill {number} is with the front desk.</source>
        <translation>पूरा हुआ। बिल {number} फ़्रंट डेस्क पर है।</translation>
    </message>
    <message>
        <source>Save prescription as PDF</source>
        <translation>पर्चा PDF के रूप में सहेजें</translation>
    </message>
    <message>
        <source>Saved {path}.</source>
        <translation>{path} सहेजा गया।</translation>
    </message>
    <message>
        <source>Verify contact</source>
        <translation>संपर्क सत्यापित करें</translation>
    </message>
    <message>
        <source>SMS to the mobile</source>
        <translation>मोबाइल पर SMS</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>ई-मेल</translation>
    </message>
    <message>
        <source>Send code</source>
        <translation>कोड भेजें</translation>
    </message>
    <message>
        <source>six digits</source>
        <translation>छह अंक</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>जाँचें</translation>
    </message>
    <message>
        <source>Code the patient received</source>
        <translation>मरीज़ को मिला कोड</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>भेजा जा रहा है…</translation>
    </message>
    <message>
        <source>Send a new code</source>
        <translation>नया कोड भेजें</translation>
    </message>
    <message>
        <source>A six-digit code is on its way to {destination}; it is valid for 10 minutes.</source>
        <translation>छह अंकों का कोड {destination} पर भेजा जा रहा है; यह 10 मिनट तक मान्य है।</translation>
    </message>
    <message>
        <source>Verified ✓</source>
        <translation>सत्यापित ✓</translation>
    </message>
    <message>
        <source>Customer display</source>
        <translation>ग्राहक डिस्प्ले</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>स्वागत है</translation>
    </message>
    <message>
        <source>Namaste, {name}</source>
        <translation>नमस्ते, {name}</translation>
    </message>
    <message>
        <source>Namaste</source>
        <translation>नमस्ते</translation>
    </message>
    <message>
        <source>Scan with any UPI app to pay</source>
        <translation>भुगतान के लिए किसी भी UPI ऐप से स्कैन करें</translation>
    </message>
    <message>
        <source>Paid ✓</source>
        <translation>भुगतान हो गया ✓</translation>
    </message>
    <message>
        <source>This QR code has expired</source>
        <translation>इस QR कोड की समय-सीमा समाप्त हो गई है</translation>
    </message>
    <message>
        <source>Payment cancelled</source>
        <translation>भुगतान रद्द</translation>
    </message>
    <message>
        <source>Please wait — the clinic is checking your payment</source>
        <translation>कृपया प्रतीक्षा करें — क्लिनिक आपका भुगतान जाँच रहा है</translation>
    </message>
    <message>
        <source>Valid for {time}</source>
        <translation>{time} तक मान्य</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>जुड़ा हुआ</translation>
    </message>
    <message>
        <source>unreachable</source>
        <translation>संपर्क नहीं हो पा रहा</translation>
    </message>
    <message>
        <source>checking…</source>
        <translation>जाँच हो रही है…</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>जुड़ रहा है…</translation>
    </message>
    <message>
        <source>resting until the desk is used</source>
        <translation>डेस्क के उपयोग तक विश्राम में</translation>
    </message>
    <message>
        <source>Your account was disabled by an admin.</source>
        <translation>आपका खाता एडमिन ने बंद कर दिया है।</translation>
    </message>
    <message>
        <source>Your role changed: sign in again.</source>
        <translation>आपकी भूमिका बदल गई है: फिर से साइन इन करें।</translation>
    </message>
    <message>
        <source>Your password was changed: sign in again.</source>
        <translation>आपका पासवर्ड बदल दिया गया है: फिर से साइन इन करें।</translation>
    </message>
    <message>
        <source>Anything typed in an open form and not yet saved was discarded.</source>
        <translation>खुले फ़ॉर्म में लिखा जो सहेजा नहीं गया था, वह हटा दिया गया।</translation>
    </message>
    <message>
        <source>Clinic host ({host})</source>
        <translation>क्लिनिक होस्ट ({host})</translation>
    </message>
    <message>
        <source>Embedded database</source>
        <translation>एम्बेडेड डेटाबेस</translation>
    </message>
    <message>
        <source>Remote database ({host})</source>
        <translation>रिमोट डेटाबेस ({host})</translation>
    </message>
    <message>
        <source>At the clinic</source>
        <translation>क्लिनिक में</translation>
    </message>
    <message>
        <source>Online (video)</source>
        <translation>ऑनलाइन (वीडियो)</translation>
    </message>
    <message>
        <source>Capsule</source>
        <translation>कैप्सूल</translation>
    </message>
    <message>
        <source>Drops</source>
        <translation>ड्रॉप्स</translation>
    </message>
    <message>
        <source>Inhaler</source>
        <translation>इनहेलर</translation>
    </message>
    <message>
        <source>Injection</source>
        <translation>इंजेक्शन</translation>
    </message>
    <message>
        <source>Ointment</source>
        <translation>मरहम</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>अन्य</translation>
    </message>
    <message>
        <source>Syrup</source>
        <translation>सिरप</translation>
    </message>
    <message>
        <source>Tablet</source>
        <translation>गोली</translation>
    </message>
    <message>
        <source>After food</source>
        <translation>खाने के बाद</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>किसी भी समय</translation>
    </message>
    <message>
        <source>Before food</source>
        <translation>खाने से पहले</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>पूरा हुआ</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>विफल</translation>
    </message>
    <message>
        <source>Pending review</source>
        <translation>जाँच बाकी</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>रिफ़ंड हुआ</translation>
    </message>
    <message>
        <source>English</source>
        <translation>अंग्रेज़ी</translation>
    </message>
    <message>
        <source>Consultation</source>
        <translation>परामर्श</translation>
    </message>
    <message>
        <source>Lab test</source>
        <translation>लैब जाँच</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>दवा</translation>
    </message>
    <message>
        <source>Procedure</source>
        <translation>प्रक्रिया</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>कार्ड</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>नकद</translation>
    </message>
    <message>
        <source>Net banking</source>
        <translation>नेट बैंकिंग</translation>
    </message>
    <message>
        <source>UPI</source>
        <translation>UPI</translation>
    </message>
    <message>
        <source>Wallet</source>
        <translation>वॉलेट</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>हो गया</translation>
    </message>
    <message>
        <source>Left</source>
        <translation>चले गए</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>प्रतीक्षा में</translation>
    </message>
    <message>
        <source>With the doctor</source>
        <translation>डॉक्टर के पास</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>एडमिन</translation>
    </message>
    <message>
        <source>Receptionist</source>
        <translation>रिसेप्शनिस्ट</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>बुक</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>खाली</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>पुरुष</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>महिला</translation>
    </message>
    <message>
        <source>Part refunded</source>
        <translation>आंशिक रिफ़ंड</translation>
    </message>
    <message>
        <source>Not at the gateway</source>
        <translation>गेटवे पर नहीं</translation>
    </message>
    <message>
        <source>Amounts differ</source>
        <translation>राशि अलग है</translation>
    </message>
    <message>
        <source>No-show</source>
        <translation>नहीं आए</translation>
    </message>
    <message>
        <source>Past</source>
        <translation>बीत गया</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>निर्धारित</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>लंबित</translation>
    </message>
    <message>
        <source>No keyring: SMS, e-mail and Telegram secrets cannot be stored, so messages are not sent.</source>
        <translation>कीरिंग नहीं है: SMS, ई-मेल और Telegram के पासवर्ड/टोकन सहेजे नहीं जा सकते, इसलिए संदेश नहीं भेजे जा रहे।</translation>
    </message>
    <message>
        <source>Set up a system keyring (GNOME Keyring or KWallet) and restart the desk, or use the file-backed keyring: a file in your settings folder that only your user account can read.</source>
        <translation>सिस्टम कीरिंग (GNOME Keyring या KWallet) लगाकर डेस्क दोबारा शुरू करें, या फ़ाइल कीरिंग इस्तेमाल करें: सेटिंग्स फ़ोल्डर की एक फ़ाइल जिसे सिर्फ़ आपका यूज़र अकाउंट पढ़ सकता है।</translation>
    </message>
    <message>
        <source>⚠ Messages off</source>
        <translation>⚠ संदेश बंद</translation>
    </message>
    <message>
        <source>Use the file keyring</source>
        <translation>फ़ाइल कीरिंग इस्तेमाल करें</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>अभी नहीं</translation>
    </message>
    <message>
        <source>This computer has no system keyring (such as GNOME Keyring, KWallet, macOS Keychain or Windows Credential Manager) to keep passwords and gateway keys safe.

Homa Desk can keep them in a file only your user account can read:
{path}
Anyone with access to your account or a backup of that file could read them.

The embedded database needs no password, so you can say &apos;Not now&apos; and decide later.</source>
        <translation>इस कंप्यूटर में पासवर्ड और गेटवे कुंजियाँ सुरक्षित रखने के लिए कोई सिस्टम कीरिंग (जैसे GNOME Keyring, KWallet, macOS Keychain या Windows Credential Manager) नहीं है।

Homa Desk इन्हें ऐसी फ़ाइल में रख सकता है जिसे केवल आपका यूज़र खाता पढ़ सकता है:
{path}
आपके खाते या उस फ़ाइल के बैकअप तक पहुँच रखने वाला कोई भी व्यक्ति इन्हें पढ़ सकता है।

एम्बेडेड डेटाबेस को पासवर्ड की ज़रूरत नहीं है, इसलिए आप &apos;अभी नहीं&apos; कहकर बाद में तय कर सकते हैं।</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>लॉक है</translation>
    </message>
    <message>
        <source>The desk is locked</source>
        <translation>डेस्क लॉक है</translation>
    </message>
    <message>
        <source>It was idle. {name}, enter your password to continue.</source>
        <translation>डेस्क निष्क्रिय था। {name}, जारी रखने के लिए अपना पासवर्ड डालें।</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>अनलॉक करें</translation>
    </message>
    <message>
        <source>Sign out instead</source>
        <translation>इसके बजाय साइन आउट करें</translation>
    </message>
    <message>
        <source>Typed changes in an open form are not saved: unlock to save them, or press Sign out instead again to throw them away.</source>
        <translation>एक खुले फ़ॉर्म में लिखे बदलाव सहेजे नहीं गए हैं: उन्हें सहेजने के लिए अनलॉक करें, या उन्हें छोड़ने के लिए फिर से &quot;इसके बजाय साइन आउट करें&quot; दबाएँ।</translation>
    </message>
    <message>
        <source>That is another account; enter your own password.</source>
        <translation>यह दूसरा खाता है; अपना पासवर्ड डालें।</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>साइन इन</translation>
    </message>
    <message>
        <source>Sign in to {app}</source>
        <translation>{app} में साइन इन करें</translation>
    </message>
    <message>
        <source>name@clinic.example</source>
        <translation>name@clinic.example</translation>
    </message>
    <message>
        <source>Connecting to the database…</source>
        <translation>डेटाबेस से जुड़ रहे हैं…</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>पासवर्ड</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>फिर से कोशिश करें</translation>
    </message>
    <message>
        <source>Choose a patient</source>
        <translation>मरीज़ चुनें</translation>
    </message>
    <message>
        <source>Type a name, mobile number or patient number.</source>
        <translation>नाम, मोबाइल नंबर या मरीज़ क्रमांक लिखें।</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>नया मरीज़…</translation>
    </message>
    <message>
        <source>Choose</source>
        <translation>चुनें</translation>
    </message>
    <message>
        <source>(scroll for more)</source>
        <translation>(और देखने के लिए स्क्रॉल करें)</translation>
    </message>
    <message>
        <source>No patient found. Register a new one?</source>
        <translation>कोई मरीज़ नहीं मिला। नया पंजीकृत करें?</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>क्र.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>नाम</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>आयु</translation>
    </message>
    <message>
        <source>Edit patient — {name}</source>
        <translation>मरीज़ की जानकारी बदलें — {name}</translation>
    </message>
    <message>
        <source>New patient</source>
        <translation>नया मरीज़</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>वैकल्पिक</translation>
    </message>
    <message>
        <source>optional, from the paper records</source>
        <translation>वैकल्पिक, पुराने काग़ज़ी रिकॉर्ड से</translation>
    </message>
    <message>
        <source>DD-MM-YYYY</source>
        <translation>DD-MM-YYYY</translation>
    </message>
    <message>
        <source>years, if the date of birth is unknown</source>
        <translation>वर्ष, अगर जन्म तिथि मालूम नहीं</translation>
    </message>
    <message>
        <source>optional mobile</source>
        <translation>वैकल्पिक मोबाइल</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>पूरा नाम</translation>
    </message>
    <message>
        <source>Old file no.</source>
        <translation>पुरानी फ़ाइल सं.</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>जन्म तिथि</translation>
    </message>
    <message>
        <source>Age (years)</source>
        <translation>आयु (वर्ष)</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>लिंग</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>आपातकालीन संपर्क</translation>
    </message>
    <message>
        <source>Messages in</source>
        <translation>संदेश की भाषा</translation>
    </message>
    <message>
        <source>Messages by</source>
        <translation>संदेश किससे भेजें</translation>
    </message>
    <message>
        <source>Agrees to messages by</source>
        <translation>इनसे संदेश के लिए सहमति</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>एलर्जी</translation>
    </message>
    <message>
        <source>Medical history</source>
        <translation>चिकित्सा इतिहास</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>पंजीकृत करें</translation>
    </message>
    <message>
        <source>Open existing</source>
        <translation>मौजूदा खोलें</translation>
    </message>
    <message>
        <source>Already registered?</source>
        <translation>पहले से पंजीकृत?</translation>
    </message>
    <message>
        <source>Save this patient&apos;s details?</source>
        <translation>इस मरीज़ का विवरण सहेजें?</translation>
    </message>
    <message>
        <source>Age {years} years</source>
        <translation>आयु {years} वर्ष</translation>
    </message>
    <message>
        <source>Name, mobile or patient number</source>
        <translation>नाम, मोबाइल या मरीज़ क्रमांक</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>मात्रा (स्ट्रेंथ)</translation>
    </message>
    <message>
        <source>Form</source>
        <translation>रूप</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>खुराक</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>अवधि</translation>
    </message>
    <message>
        <source>Food</source>
        <translation>भोजन</translation>
    </message>
    <message>
        <source>Strength, e.g. 500 mg</source>
        <translation>स्ट्रेंथ, जैसे 500 mg</translation>
    </message>
    <message>
        <source>5 days</source>
        <translation>5 दिन</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>जोड़ें</translation>
    </message>
    <message>
        <source>Remove line</source>
        <translation>पंक्ति हटाएँ</translation>
    </message>
    <message>
        <source>★ Add to favourites</source>
        <translation>★ पसंदीदा में जोड़ें</translation>
    </message>
    <message>
        <source>Remove favourite</source>
        <translation>पसंदीदा से हटाएँ</translation>
    </message>
    <message>
        <source>Apply template</source>
        <translation>टेम्पलेट लागू करें</translation>
    </message>
    <message>
        <source>Delete template</source>
        <translation>टेम्पलेट हटाएँ</translation>
    </message>
    <message>
        <source>Template name</source>
        <translation>टेम्पलेट का नाम</translation>
    </message>
    <message>
        <source>Save as template</source>
        <translation>टेम्पलेट के रूप में सहेजें</translation>
    </message>
    <message>
        <source>Favourites</source>
        <translation>पसंदीदा</translation>
    </message>
    <message>
        <source>Templates</source>
        <translation>टेम्पलेट</translation>
    </message>
    <message>
        <source>{medicine}: allergy to {terms}</source>
        <translation>{medicine}: {terms} से एलर्जी</translation>
    </message>
    <message>
        <source>The patient is allergic ({allergies}).

{names}

Prescribe anyway?</source>
        <translation>मरीज़ को एलर्जी है ({allergies})।

{names}

फिर भी लिखें?</translation>
    </message>
    <message>
        <source>Allergy: {terms} (confirmed)</source>
        <translation>एलर्जी: {terms} (पुष्टि की गई)</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>टोकन</translation>
    </message>
    <message>
        <source>Booking</source>
        <translation>बुकिंग</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>पहुँचे</translation>
    </message>
    <message>
        <source>Age / sex</source>
        <translation>आयु / लिंग</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>तकलीफ़</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>बिना अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Booked {time}</source>
        <translation>{time} पर बुक</translation>
    </message>
    <message>
        <source>Waiting for the patient to scan and pay…</source>
        <translation>मरीज़ के स्कैन करके भुगतान करने की प्रतीक्षा…</translation>
    </message>
    <message>
        <source>Expired: no payment arrived. Start again or take cash.</source>
        <translation>समय समाप्त: कोई भुगतान नहीं आया। फिर से शुरू करें या नकद लें।</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>रद्द किया गया।</translation>
    </message>
    <message>
        <source>Needs review</source>
        <translation>जाँच ज़रूरी</translation>
    </message>
    <message>
        <source>Payment gateway unreachable, retrying…</source>
        <translation>पेमेंट गेटवे से संपर्क नहीं हो रहा, फिर कोशिश हो रही है…</translation>
    </message>
    <message>
        <source>UPI payment — bill {number}</source>
        <translation>UPI भुगतान — बिल {number}</translation>
    </message>
    <message>
        <source>Creating the QR code…</source>
        <translation>QR कोड बन रहा है…</translation>
    </message>
    <message>
        <source>UTR / UPI reference from the clinic&apos;s bank app</source>
        <translation>क्लिनिक के बैंक ऐप से UTR / UPI संदर्भ</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>पुष्टि करें</translation>
    </message>
    <message>
        <source>Simulate payment (demo)</source>
        <translation>भुगतान का अनुकरण (डेमो)</translation>
    </message>
    <message>
        <source>Cancel payment</source>
        <translation>भुगतान रद्द करें</translation>
    </message>
    <message>
        <source>Switch to cash</source>
        <translation>नकद पर जाएँ</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>बंद करें</translation>
    </message>
    <message>
        <source>bill {number}</source>
        <translation>बिल {number}</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>रद्द हो रहा है…</translation>
    </message>
    <message>
        <source>No QR: {message}</source>
        <translation>QR नहीं बना: {message}</translation>
    </message>
    <message>
        <source>Needs review: {reason}. The money is held until an admin checks it; do not mark the bill paid.</source>
        <translation>जाँच ज़रूरी: {reason}। एडमिन के जाँचने तक राशि रोकी गई है; बिल को भुगतान हुआ न मानें।</translation>
    </message>
    <message>
        <source>the payment did not match</source>
        <translation>भुगतान मेल नहीं खाया</translation>
    </message>
    <message>
        <source>QR valid for {time}</source>
        <translation>QR {time} तक मान्य</translation>
    </message>
    <message>
        <source>Closing once the QR is made, to cancel it…</source>
        <translation>QR बनते ही उसे रद्द करके बंद किया जाएगा…</translation>
    </message>
    <message>
        <source>◀ Previous</source>
        <translation>◀ पिछला</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>आज</translation>
    </message>
    <message>
        <source>Next ▶</source>
        <translation>अगला ▶</translation>
    </message>
    <message>
        <source>Day: all doctors</source>
        <translation>दिन: सभी डॉक्टर</translation>
    </message>
    <message>
        <source>Week: one doctor</source>
        <translation>सप्ताह: एक डॉक्टर</translation>
    </message>
    <message>
        <source>Green free · blue booked · light green completed · red no-show · grey past, off hours or leave. Cancelled appointments and walk-ins are listed below the grid.</source>
        <translation>हरा खाली · नीला बुक · हल्का हरा पूरा · लाल नहीं आए · धूसर बीता हुआ, छुट्टी या काम के बाहर का समय। रद्द अपॉइंटमेंट और बिना अपॉइंटमेंट वाले मरीज़ ग्रिड के नीचे हैं।</translation>
    </message>
    <message>
        <source>Cancelled and walk-ins</source>
        <translation>रद्द और बिना अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>शेड्यूल</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>कतार</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>फ़ॉलो-अप</translation>
    </message>
    <message>
        <source>No doctors yet: an admin adds them under Settings → Staff.</source>
        <translation>अभी कोई डॉक्टर नहीं: एडमिन उन्हें सेटिंग्स → स्टाफ़ में जोड़ते हैं।</translation>
    </message>
    <message>
        <source>scheduled</source>
        <translation>निर्धारित</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>पूरा हुआ</translation>
    </message>
    <message>
        <source>no show</source>
        <translation>नहीं आए</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>क्लिनिक में</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>प्रकार</translation>
    </message>
    <message>
        <source>walk-in</source>
        <translation>बिना अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>बदलें…</translation>
    </message>
    <message>
        <source>Verify contact…</source>
        <translation>संपर्क सत्यापित करें…</translation>
    </message>
    <message>
        <source>Age / date of birth</source>
        <translation>आयु / जन्म तिथि</translation>
    </message>
    <message>
        <source>Upcoming appointments</source>
        <translation>आने वाले अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Past appointments</source>
        <translation>पिछले अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Bills and payments</source>
        <translation>बिल और भुगतान</translation>
    </message>
    <message>
        <source>Advances</source>
        <translation>अग्रिम</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>संदेश</translation>
    </message>
    <message>
        <source>· verified ✓</source>
        <translation>· सत्यापित ✓</translation>
    </message>
    <message>
        <source>· not verified</source>
        <translation>· सत्यापित नहीं</translation>
    </message>
    <message>
        <source>{age} (estimated)</source>
        <translation>{age} (अनुमानित)</translation>
    </message>
    <message>
        <source>{age} · born {date}</source>
        <translation>{age} · जन्म {date}</translation>
    </message>
    <message>
        <source> · old file {number}</source>
        <translation> · पुरानी फ़ाइल {number}</translation>
    </message>
    <message>
        <source>None known</source>
        <translation>कोई ज्ञात नहीं</translation>
    </message>
    <message>
        <source>Nothing recorded.</source>
        <translation>कुछ दर्ज नहीं।</translation>
    </message>
    <message>
        <source>Upcoming appointments ({count})</source>
        <translation>आने वाले अपॉइंटमेंट ({count})</translation>
    </message>
    <message>
        <source>Past appointments ({count})</source>
        <translation>पिछले अपॉइंटमेंट ({count})</translation>
    </message>
    <message>
        <source>Advances ({amount})</source>
        <translation>अग्रिम ({amount})</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>रद्द</translation>
    </message>
    <message>
        <source>That slot is over.</source>
        <translation>वह स्लॉट बीत चुका है।</translation>
    </message>
    <message>
        <source>Bookings are made at the reception desk.</source>
        <translation>बुकिंग रिसेप्शन डेस्क पर होती है।</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>क्लिनिक का नाम</translation>
    </message>
    <message>
        <source>Thermometers read in</source>
        <translation>थर्मामीटर की इकाई</translation>
    </message>
    <message>
        <source>°C (Celsius)</source>
        <translation>°C (सेल्सियस)</translation>
    </message>
    <message>
        <source>°F (Fahrenheit)</source>
        <translation>°F (फ़ारेनहाइट)</translation>
    </message>
    <message>
        <source>Temperature ({unit})</source>
        <translation>तापमान ({unit})</translation>
    </message>
    <message>
        <source>Collected</source>
        <translation>प्राप्त</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>शुद्ध</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>माध्यम</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>संदेश</translation>
    </message>
    <message>
        <source>Will retry</source>
        <translation>फिर कोशिश होगी</translation>
    </message>
    <message>
        <source>Waiting to send</source>
        <translation>भेजने की प्रतीक्षा</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>भेजा जा रहा है</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>भेजा गया</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>पहुँच गया</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>पढ़ा गया</translation>
    </message>
    <message>
        <source>Not delivered</source>
        <translation>नहीं पहुँचा</translation>
    </message>
    <message>
        <source>agreed {date} ({by})</source>
        <translation>सहमति {date} ({by})</translation>
    </message>
    <message>
        <source>opted out {date} ({by})</source>
        <translation>मना किया {date} ({by})</translation>
    </message>
    <message>
        <source>SMS and e-mail (no channel chosen)</source>
        <translation>SMS और ई-मेल (कोई माध्यम नहीं चुना)</translation>
    </message>
    <message>
        <source>Messages by: {channel}</source>
        <translation>संदेश इससे: {channel}</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>ताज़ा करें</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>दिन</translation>
    </message>
    <message>
        <source>By method</source>
        <translation>तरीके के अनुसार</translation>
    </message>
    <message>
        <source>Net by doctor (top {count})</source>
        <translation>डॉक्टर के अनुसार शुद्ध (शीर्ष {count})</translation>
    </message>
    <message>
        <source>By doctor</source>
        <translation>डॉक्टर के अनुसार</translation>
    </message>
    <message>
        <source>By receptionist</source>
        <translation>रिसेप्शनिस्ट के अनुसार</translation>
    </message>
    <message>
        <source>Collected &lt;b&gt;{collected}&lt;/b&gt; ({payments} payments) &amp;nbsp; Refunds &lt;b&gt;{refunded}&lt;/b&gt; ({refunds}) &amp;nbsp; Net &lt;b&gt;{net}&lt;/b&gt;&lt;br/&gt;Bills created: {bills} &amp;nbsp; Pending review: {review} ({review_amount})</source>
        <translation>प्राप्त &lt;b&gt;{collected}&lt;/b&gt; ({payments} भुगतान) &amp;nbsp; रिफ़ंड &lt;b&gt;{refunded}&lt;/b&gt; ({refunds}) &amp;nbsp; शुद्ध &lt;b&gt;{net}&lt;/b&gt;&lt;br/&gt;बने बिल: {bills} &amp;nbsp; जाँच बाकी: {review} ({review_amount})</translation>
    </message>
    <message>
        <source>Advances received {received} (in the totals above) · paid from advances {applied} (counted the day they were received, not again) · advances refunded {refunded} (in the refunds above)</source>
        <translation>मिले अग्रिम {received} (ऊपर के जोड़ में) · अग्रिम से चुकाया {applied} (मिलने के दिन गिना गया, दोबारा नहीं) · वापस किए अग्रिम {refunded} (ऊपर के रिफ़ंड में)</translation>
    </message>
    <message>
        <source>Save daily collection</source>
        <translation>दैनिक संग्रह सहेजें</translation>
    </message>
    <message>
        <source>Add staff, disable accounts and reset passwords (Settings → Staff).</source>
        <translation>स्टाफ़ जोड़ें, खाते बंद करें और पासवर्ड रीसेट करें (सेटिंग्स → स्टाफ़)।</translation>
    </message>
    <message>
        <source>Rename the clinic (Settings → Clinic).</source>
        <translation>क्लिनिक का नाम बदलें (सेटिंग्स → क्लिनिक)।</translation>
    </message>
    <message>
        <source>Everything the reception desk does: patients, appointments, bills and payments.</source>
        <translation>रिसेप्शन डेस्क के सभी काम: मरीज़, अपॉइंटमेंट, बिल और भुगतान।</translation>
    </message>
    <message>
        <source>Register and find patients.</source>
        <translation>मरीज़ पंजीकृत करें और खोजें।</translation>
    </message>
    <message>
        <source>Book, move and cancel appointments.</source>
        <translation>अपॉइंटमेंट बुक करें, बदलें और रद्द करें।</translation>
    </message>
    <message>
        <source>Make bills and take payments (cash, card, UPI).</source>
        <translation>बिल बनाएँ और भुगतान लें (नकद, कार्ड, UPI)।</translation>
    </message>
    <message>
        <source>See today&apos;s patients and their appointments.</source>
        <translation>आज के मरीज़ और उनके अपॉइंटमेंट देखें।</translation>
    </message>
    <message>
        <source>Look up a patient&apos;s history.</source>
        <translation>मरीज़ का इतिहास देखें।</translation>
    </message>
    <message>
        <source>Good morning</source>
        <translation>सुप्रभात</translation>
    </message>
    <message>
        <source>Good afternoon</source>
        <translation>नमस्कार</translation>
    </message>
    <message>
        <source>Good evening</source>
        <translation>शुभ संध्या</translation>
    </message>
    <message>
        <source>Patient registered</source>
        <translation>मरीज़ पंजीकृत</translation>
    </message>
    <message>
        <source>Patient details changed</source>
        <translation>मरीज़ का विवरण बदला</translation>
    </message>
    <message>
        <source>Medical history or allergies changed</source>
        <translation>चिकित्सा इतिहास या एलर्जी बदली</translation>
    </message>
    <message>
        <source>Patient&apos;s language set</source>
        <translation>मरीज़ की भाषा तय की</translation>
    </message>
    <message>
        <source>Patient&apos;s message channel set</source>
        <translation>मरीज़ का संदेश माध्यम तय किया</translation>
    </message>
    <message>
        <source>Message consent recorded</source>
        <translation>संदेश की सहमति दर्ज की</translation>
    </message>
    <message>
        <source>Appointment booked</source>
        <translation>अपॉइंटमेंट बुक हुआ</translation>
    </message>
    <message>
        <source>Appointment moved</source>
        <translation>अपॉइंटमेंट बदला गया</translation>
    </message>
    <message>
        <source>Appointment cancelled</source>
        <translation>अपॉइंटमेंट रद्द</translation>
    </message>
    <message>
        <source>Visit completed</source>
        <translation>विज़िट पूरी</translation>
    </message>
    <message>
        <source>Marked no-show</source>
        <translation>नहीं आए दर्ज किया</translation>
    </message>
    <message>
        <source>Checked in</source>
        <translation>चेक-इन हुआ</translation>
    </message>
    <message>
        <source>Called in</source>
        <translation>अंदर बुलाया</translation>
    </message>
    <message>
        <source>Consultation saved</source>
        <translation>परामर्श सहेजा</translation>
    </message>
    <message>
        <source>Allergy warning overridden</source>
        <translation>एलर्जी चेतावनी के बावजूद आगे बढ़े</translation>
    </message>
    <message>
        <source>Follow-up asked for</source>
        <translation>फ़ॉलो-अप माँगा</translation>
    </message>
    <message>
        <source>Follow-up closed</source>
        <translation>फ़ॉलो-अप बंद</translation>
    </message>
    <message>
        <source>Bill created</source>
        <translation>बिल बना</translation>
    </message>
    <message>
        <source>Bill lines changed</source>
        <translation>बिल की पंक्तियाँ बदलीं</translation>
    </message>
    <message>
        <source>Bill cancelled</source>
        <translation>बिल रद्द</translation>
    </message>
    <message>
        <source>Payment refunded</source>
        <translation>भुगतान वापस किया</translation>
    </message>
    <message>
        <source>Held money accepted</source>
        <translation>रोकी गई राशि स्वीकार की</translation>
    </message>
    <message>
        <source>Held money moved</source>
        <translation>रोकी गई राशि दूसरे बिल पर</translation>
    </message>
    <message>
        <source>Held money refunded</source>
        <translation>रोकी गई राशि वापस की</translation>
    </message>
    <message>
        <source>Gateway money held for review</source>
        <translation>गेटवे की राशि जाँच के लिए रोकी</translation>
    </message>
    <message>
        <source>UPI checked with the gateway</source>
        <translation>गेटवे से UPI मिलान</translation>
    </message>
    <message>
        <source>Cash drawer counted</source>
        <translation>कैश दराज़ गिना</translation>
    </message>
    <message>
        <source>UPI QR shown</source>
        <translation>UPI QR दिखाया</translation>
    </message>
    <message>
        <source>UPI QR expired</source>
        <translation>UPI QR की अवधि समाप्त</translation>
    </message>
    <message>
        <source>UPI QR cancelled</source>
        <translation>UPI QR रद्द</translation>
    </message>
    <message>
        <source>UPI QR paid</source>
        <translation>UPI QR से भुगतान</translation>
    </message>
    <message>
        <source>UPI payment flagged</source>
        <translation>UPI भुगतान चिह्नित</translation>
    </message>
    <message>
        <source>Staff added</source>
        <translation>स्टाफ़ जोड़ा</translation>
    </message>
    <message>
        <source>Staff enabled</source>
        <translation>स्टाफ़ चालू किया</translation>
    </message>
    <message>
        <source>Staff disabled</source>
        <translation>स्टाफ़ बंद किया</translation>
    </message>
    <message>
        <source>Sign-in failed</source>
        <translation>साइन-इन विफल</translation>
    </message>
    <message>
        <source>Verification code sent</source>
        <translation>सत्यापन कोड भेजा</translation>
    </message>
    <message>
        <source>Contact verified</source>
        <translation>संपर्क सत्यापित</translation>
    </message>
    <message>
        <source>Doctor&apos;s profile changed</source>
        <translation>डॉक्टर की प्रोफ़ाइल बदली</translation>
    </message>
    <message>
        <source>Doctor&apos;s hours changed</source>
        <translation>डॉक्टर के समय बदले</translation>
    </message>
    <message>
        <source>Doctor&apos;s leave added</source>
        <translation>डॉक्टर की छुट्टी जोड़ी</translation>
    </message>
    <message>
        <source>Doctor&apos;s leave removed</source>
        <translation>डॉक्टर की छुट्टी हटाई</translation>
    </message>
    <message>
        <source>Clinic renamed</source>
        <translation>क्लिनिक का नाम बदला</translation>
    </message>
    <message>
        <source>Clinic details changed</source>
        <translation>क्लिनिक का विवरण बदला</translation>
    </message>
    <message>
        <source>Temperature unit set</source>
        <translation>तापमान की इकाई तय की</translation>
    </message>
    <message>
        <source>Waiting room screen settings</source>
        <translation>प्रतीक्षा कक्ष स्क्रीन की सेटिंग</translation>
    </message>
    <message>
        <source>SMS registration changed</source>
        <translation>SMS पंजीकरण बदला</translation>
    </message>
    <message>
        <source>Held SMS sent</source>
        <translation>रुके SMS भेजे</translation>
    </message>
    <message>
        <source>Held SMS left unsent</source>
        <translation>रुके SMS नहीं भेजे</translation>
    </message>
    <message>
        <source>Message sent again</source>
        <translation>संदेश फिर भेजा</translation>
    </message>
    <message>
        <source>Message channels order set</source>
        <translation>संदेश माध्यमों का क्रम तय किया</translation>
    </message>
    <message>
        <source>Backup restored</source>
        <translation>बैकअप बहाल किया</translation>
    </message>
    <message>
        <source>Database moved here</source>
        <translation>डेटाबेस यहाँ लाया गया</translation>
    </message>
    <message>
        <source>Database moved away</source>
        <translation>डेटाबेस यहाँ से ले जाया गया</translation>
    </message>
    <message>
        <source>Price list item added</source>
        <translation>मूल्य सूची में मद जोड़ा</translation>
    </message>
    <message>
        <source>Price list item changed</source>
        <translation>मूल्य सूची का मद बदला</translation>
    </message>
    <message>
        <source>Price list imported</source>
        <translation>मूल्य सूची आयात की</translation>
    </message>
    <message>
        <source>Receptionists&apos; rates setting</source>
        <translation>रिसेप्शनिस्ट की दरों की सेटिंग</translation>
    </message>
    <message>
        <source>Advance received</source>
        <translation>अग्रिम मिला</translation>
    </message>
    <message>
        <source>Advance used on a bill</source>
        <translation>अग्रिम बिल में लगाया</translation>
    </message>
    <message>
        <source>Advance refunded</source>
        <translation>अग्रिम लौटाया</translation>
    </message>
    <message>
        <source>Off-site copy made</source>
        <translation>ऑफ़-साइट प्रति बनी</translation>
    </message>
    <message>
        <source>Restored from the off-site copy</source>
        <translation>ऑफ़-साइट प्रति से बहाल किया</translation>
    </message>
    <message>
        <source>Desk removed from the clinic</source>
        <translation>डेस्क क्लिनिक से हटाया</translation>
    </message>
    <message>
        <source>Starts at</source>
        <translation>शुरू होने का समय</translation>
    </message>
    <message>
        <source>Date and time</source>
        <translation>तारीख़ और समय</translation>
    </message>
    <message>
        <source>Consultation type</source>
        <translation>परामर्श का प्रकार</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>गिना गया</translation>
    </message>
    <message>
        <source>Expected</source>
        <translation>अपेक्षित</translation>
    </message>
    <message>
        <source>Fields</source>
        <translation>फ़ील्ड</translation>
    </message>
    <message>
        <source>Consent</source>
        <translation>सहमति</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>मान</translation>
    </message>
    <message>
        <source>Due on</source>
        <translation>नियत तारीख़</translation>
    </message>
    <message>
        <source>Medicines</source>
        <translation>दवाइयाँ</translation>
    </message>
    <message>
        <source>Specialty</source>
        <translation>विशेषज्ञता</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>सत्र</translation>
    </message>
    <message>
        <source>First name</source>
        <translation>पहला नाम</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>नियम</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>स्वीकार</translation>
    </message>
    <message>
        <source>Tables</source>
        <translation>तालिकाएँ</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>पंक्तियाँ</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>प्रकार</translation>
    </message>
    <message>
        <source>Slot minutes</source>
        <translation>स्लॉट के मिनट</translation>
    </message>
    <message>
        <source>Registration number</source>
        <translation>पंजीकरण संख्या</translation>
    </message>
    <message>
        <source>Follow-up of</source>
        <translation>किसका फ़ॉलो-अप</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>कतार में</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>अनुरोध</translation>
    </message>
    <message>
        <source>Schema revision</source>
        <translation>स्कीमा संशोधन</translation>
    </message>
    <message>
        <source>Price list item</source>
        <translation>मूल्य सूची का मद</translation>
    </message>
    <message>
        <source>Place of supply</source>
        <translation>आपूर्ति का स्थान</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>जोड़े</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>बदले</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>अपरिवर्तित</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>उद्देश्य</translation>
    </message>
    <message>
        <source>Advances used</source>
        <translation>लगाए गए अग्रिम</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>खाता</translation>
    </message>
    <message>
        <source>UPI QR</source>
        <translation>UPI QR</translation>
    </message>
    <message>
        <source>Clinic settings</source>
        <translation>क्लिनिक की सेटिंग</translation>
    </message>
    <message>
        <source>Cash count</source>
        <translation>नकद गिनती</translation>
    </message>
    <message>
        <source>Clinic day</source>
        <translation>क्लिनिक का दिन</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>फ़ॉलो-अप</translation>
    </message>
    <message>
        <source>Advance</source>
        <translation>अग्रिम</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>डेस्क</translation>
    </message>
    <message>
        <source>{field}: {new}</source>
        <translation>{field}: {new}</translation>
    </message>
    <message>
        <source>{field}: {old} → removed</source>
        <translation>{field}: {old} → हटाया</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>हाँ</translation>
    </message>
    <message>
        <source>no</source>
        <translation>नहीं</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>ऑनलाइन</translation>
    </message>
    <message>
        <source>Next free slot</source>
        <translation>अगला खाली स्लॉट</translation>
    </message>
    <message>
        <source>Today: {count} appointments</source>
        <translation>आज: {count} अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>What you can do as {role}</source>
        <translation>{role} के रूप में आप क्या कर सकते हैं</translation>
    </message>
    <message>
        <source>online</source>
        <translation>ऑनलाइन</translation>
    </message>
    <message>
        <source>token {token}</source>
        <translation>टोकन {token}</translation>
    </message>
    <message>
        <source>(on leave)</source>
        <translation>(छुट्टी पर)</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>छुट्टी</translation>
    </message>
    <message>
        <source>Not working</source>
        <translation>काम का समय नहीं</translation>
    </message>
    <message>
        <source>For example 2 or 3B: the waiting room screen shows it</source>
        <translation>जैसे 2 या 3B: प्रतीक्षा कक्ष स्क्रीन पर दिखता है</translation>
    </message>
    <message>
        <source>Mon 09:00-13:00
Mon 17:00-20:00
Tue 09:00-13:00</source>
        <translation>Mon 09:00-13:00
Mon 17:00-20:00
Tue 09:00-13:00</translation>
    </message>
    <message>
        <source>Save profile and hours</source>
        <translation>प्रोफ़ाइल और समय सहेजें</translation>
    </message>
    <message>
        <source>Reason (optional)</source>
        <translation>कारण (वैकल्पिक)</translation>
    </message>
    <message>
        <source>Add leave</source>
        <translation>छुट्टी जोड़ें</translation>
    </message>
    <message>
        <source>Remove selected leave</source>
        <translation>चुनी हुई छुट्टी हटाएँ</translation>
    </message>
    <message>
        <source>Qualification</source>
        <translation>योग्यता</translation>
    </message>
    <message>
        <source>Registration no.</source>
        <translation>पंजीकरण क्र.</translation>
    </message>
    <message>
        <source>Consultation fee (₹)</source>
        <translation>परामर्श शुल्क (₹)</translation>
    </message>
    <message>
        <source>Slot (minutes)</source>
        <translation>स्लॉट (मिनट)</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>कमरा</translation>
    </message>
    <message>
        <source>Weekly hours</source>
        <translation>साप्ताहिक समय</translation>
    </message>
    <message>
        <source>Leave days</source>
        <translation>छुट्टी के दिन</translation>
    </message>
    <message>
        <source>(disabled)</source>
        <translation>(बंद)</translation>
    </message>
    <message>
        <source>No doctors yet: add staff with the role doctor under Staff.</source>
        <translation>अभी कोई डॉक्टर नहीं: स्टाफ़ में डॉक्टर की भूमिका वाला स्टाफ़ जोड़ें।</translation>
    </message>
    <message>
        <source>Saved {name}.</source>
        <translation>{name} सहेजा गया।</translation>
    </message>
    <message>
        <source>Workstation</source>
        <translation>वर्कस्टेशन</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>डैशबोर्ड</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>मरीज़</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>अपॉइंटमेंट</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>बिलिंग</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>रिपोर्ट</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>सेटिंग्स</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>साइन आउट</translation>
    </message>
    <message>
        <source>Signed in as {name} ({role}).</source>
        <translation>{name} ({role}) के रूप में साइन इन।</translation>
    </message>
    <message>
        <source>Token {token} for {name} ({doctor}).</source>
        <translation>{name} को टोकन {token} ({doctor})।</translation>
    </message>
    <message>
        <source>Arrow keys choose a slot; Enter or Ctrl+B books it.</source>
        <translation>तीर कुंजियों से स्लॉट चुनें; Enter या Ctrl+B से बुक करें।</translation>
    </message>
    <message>
        <source>{name} has no unpaid bill.</source>
        <translation>{name} का कोई बकाया बिल नहीं है।</translation>
    </message>
    <message>
        <source>Booking for {name}: arrow keys choose a slot; Enter or Ctrl+B books it.</source>
        <translation>{name} के लिए बुकिंग: तीर कुंजियों से स्लॉट चुनें; Enter या Ctrl+B से बुक करें।</translation>
    </message>
    <message>
        <source>Choose the bill with the arrow keys, then F9 again.</source>
        <translation>तीर कुंजियों से बिल चुनें, फिर दोबारा F9 दबाएँ।</translation>
    </message>
    <message>
        <source>That is not part of your desk.</source>
        <translation>यह आपके डेस्क का हिस्सा नहीं है।</translation>
    </message>
    <message>
        <source>Type a name, part of a mobile number or a patient number.</source>
        <translation>नाम, मोबाइल नंबर का हिस्सा या मरीज़ क्रमांक लिखें।</translation>
    </message>
    <message>
        <source>No patient found.</source>
        <translation>कोई मरीज़ नहीं मिला।</translation>
    </message>
    <message>
        <source>{rows} shown</source>
        <translation>{rows} दिखाए गए</translation>
    </message>
    <message>
        <source>; scroll for more</source>
        <translation>; और के लिए स्क्रॉल करें</translation>
    </message>
    <message>
        <source>Any method</source>
        <translation>कोई भी तरीका</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>कोई भी स्थिति</translation>
    </message>
    <message>
        <source>Patient name or number</source>
        <translation>मरीज़ का नाम या क्रमांक</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>कोई भी डॉक्टर</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>किसने</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>कार्य</translation>
    </message>
    <message>
        <source>About</source>
        <translation>किस पर</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>बदलाव</translation>
    </message>
    <message>
        <source>The desk (automatic)</source>
        <translation>डेस्क (स्वचालित)</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>कोई भी</translation>
    </message>
    <message>
        <source>Patient number</source>
        <translation>मरीज़ संख्या</translation>
    </message>
    <message>
        <source>Any action</source>
        <translation>कोई भी कार्य</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV निर्यात करें…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>से</translation>
    </message>
    <message>
        <source>to</source>
        <translation>तक</translation>
    </message>
    <message>
        <source>No entry matches these filters.</source>
        <translation>इन फ़िल्टरों से कोई प्रविष्टि नहीं मिली।</translation>
    </message>
    <message>
        <source>{rows} shown{more}.</source>
        <translation>{rows} दिखाई गईं{more}।</translation>
    </message>
    <message>
        <source>No fields recorded.</source>
        <translation>कोई फ़ील्ड दर्ज नहीं।</translation>
    </message>
    <message>
        <source>Export audit log</source>
        <translation>ऑडिट लॉग निर्यात करें</translation>
    </message>
    <message>
        <source>Exported {count} entries.</source>
        <translation>{count} प्रविष्टियाँ निर्यात कीं।</translation>
    </message>
    <message>
        <source>No payment matches these filters.</source>
        <translation>इन फ़िल्टरों से कोई भुगतान मेल नहीं खाता।</translation>
    </message>
    <message>
        <source>{rows} shown{more}. Double-click a payment to open its bill.</source>
        <translation>{rows} दिखाए गए{more}। बिल खोलने के लिए भुगतान पर डबल-क्लिक करें।</translation>
    </message>
    <message>
        <source>&lt;b&gt;{count} payments&lt;/b&gt; &amp;nbsp; Collected &lt;b&gt;{collected}&lt;/b&gt; &amp;nbsp; Refunded &lt;b&gt;{refunded}&lt;/b&gt; &amp;nbsp; Net &lt;b&gt;{net}&lt;/b&gt;</source>
        <translation>&lt;b&gt;{count} भुगतान&lt;/b&gt; &amp;nbsp; प्राप्त &lt;b&gt;{collected}&lt;/b&gt; &amp;nbsp; रिफ़ंड &lt;b&gt;{refunded}&lt;/b&gt; &amp;nbsp; शुद्ध &lt;b&gt;{net}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>This payment has no bill to open: an advance (the patient&apos;s Advances tab), or money recorded before bills existed.</source>
        <translation>इस भुगतान का खोलने लायक कोई बिल नहीं: यह अग्रिम है (मरीज़ का अग्रिम टैब), या बिल शुरू होने से पहले दर्ज पैसा।</translation>
    </message>
    <message>
        <source>Export payments</source>
        <translation>भुगतान निर्यात करें</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV फ़ाइलें (*.csv)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>निर्यात हो रहा है…</translation>
    </message>
    <message>
        <source>Exported {count} payments to {path}.</source>
        <translation>{count} भुगतान {path} में निर्यात किए गए।</translation>
    </message>
    <message>
        <source>History</source>
        <translation>इतिहास</translation>
    </message>
    <message>
        <source>Daily collection</source>
        <translation>दैनिक संग्रह</translation>
    </message>
    <message>
        <source>Held for review</source>
        <translation>जाँच के लिए रोकी गई</translation>
    </message>
    <message>
        <source>Add walk-in…</source>
        <translation>बिना अपॉइंटमेंट मरीज़ जोड़ें…</translation>
    </message>
    <message>
        <source>Call next</source>
        <translation>अगले को बुलाएँ</translation>
    </message>
    <message>
        <source>Check in: who has arrived?</source>
        <translation>चेक-इन: कौन आया है?</translation>
    </message>
    <message>
        <source>Type part of the name</source>
        <translation>नाम का कुछ हिस्सा लिखें</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>चेक इन</translation>
    </message>
    <message>
        <source>Nobody booked for today is still to arrive.</source>
        <translation>आज की बुकिंग वाला कोई भी आना बाकी नहीं है।</translation>
    </message>
    <message>
        <source>Checked in {name}: token {token}.</source>
        <translation>{name} का चेक-इन हुआ: टोकन {token}।</translation>
    </message>
    <message>
        <source>{name} has no booking today still to check in.</source>
        <translation>{name} की आज कोई बुकिंग चेक-इन के लिए बाकी नहीं है।</translation>
    </message>
    <message>
        <source>Print a token slip for each walk-in (this computer)</source>
        <translation>हर वॉक-इन के लिए टोकन पर्ची छापें (यह कंप्यूटर)</translation>
    </message>
    <message>
        <source>Booked today, not yet arrived</source>
        <translation>आज बुक, अभी नहीं पहुँचे</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>सभी डॉक्टर</translation>
    </message>
    <message>
        <source>{doctor}: token {token}, {name}</source>
        <translation>{doctor}: टोकन {token}, {name}</translation>
    </message>
    <message>
        <source>Nobody with a doctor</source>
        <translation>किसी डॉक्टर के पास कोई नहीं</translation>
    </message>
    <message>
        <source>With the doctor: token {token}, {name}</source>
        <translation>डॉक्टर के पास: टोकन {token}, {name}</translation>
    </message>
    <message>
        <source>Nobody with the doctor</source>
        <translation>डॉक्टर के पास कोई नहीं</translation>
    </message>
    <message>
        <source>Choose who has arrived…</source>
        <translation>चुनें कि कौन आया है…</translation>
    </message>
    <message>
        <source>No printer on this computer: the token slip was not printed.</source>
        <translation>इस कंप्यूटर पर प्रिंटर नहीं है: टोकन पर्ची नहीं छपी।</translation>
    </message>
    <message>
        <source>Choose the doctor, or a row of their queue, first.</source>
        <translation>पहले डॉक्टर चुनें, या उनकी कतार की कोई पंक्ति।</translation>
    </message>
    <message>
        <source>{count} waiting</source>
        <translation>{count} प्रतीक्षा में</translation>
    </message>
    <message>
        <source>Token {token} given to {name}</source>
        <translation>टोकन {token} {name} को दिया गया</translation>
    </message>
    <message>
        <source>Simulator (practice)</source>
        <translation>सिम्युलेटर (अभ्यास)</translation>
    </message>
    <message>
        <source>Razorpay (dynamic QR)</source>
        <translation>Razorpay (डायनामिक QR)</translation>
    </message>
    <message>
        <source>Static UPI (the clinic&apos;s VPA)</source>
        <translation>स्थिर UPI (क्लिनिक का VPA)</translation>
    </message>
    <message>
        <source>Reschedule</source>
        <translation>समय बदलना</translation>
    </message>
    <message>
        <source>Cancellation</source>
        <translation>रद्द करना</translation>
    </message>
    <message>
        <source>Reminder</source>
        <translation>याद दिलाना</translation>
    </message>
    <message>
        <source>Payment received</source>
        <translation>भुगतान प्राप्त</translation>
    </message>
    <message>
        <source>Verification code</source>
        <translation>सत्यापन कोड</translation>
    </message>
    <message>
        <source>patient&apos;s name</source>
        <translation>मरीज़ का नाम</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>डॉक्टर</translation>
    </message>
    <message>
        <source>clinic</source>
        <translation>क्लिनिक</translation>
    </message>
    <message>
        <source>date and time</source>
        <translation>तारीख और समय</translation>
    </message>
    <message>
        <source>amount</source>
        <translation>राशि</translation>
    </message>
    <message>
        <source>payment method</source>
        <translation>भुगतान का तरीका</translation>
    </message>
    <message>
        <source>bill number</source>
        <translation>बिल नंबर</translation>
    </message>
    <message>
        <source>code</source>
        <translation>कोड</translation>
    </message>
    <message>
        <source>{count} SMS per message · plain text (160 characters in one SMS)</source>
        <translation>हर संदेश {count} SMS · सादा टेक्स्ट (एक SMS में 160 अक्षर)</translation>
    </message>
    <message>
        <source>{count} SMS per message · Unicode (70 characters in one SMS)</source>
        <translation>हर संदेश {count} SMS · यूनिकोड (एक SMS में 70 अक्षर)</translation>
    </message>
    <message>
        <source>Send them now</source>
        <translation>अभी भेजें</translation>
    </message>
    <message>
        <source>Leave them</source>
        <translation>रहने दें</translation>
    </message>
    <message>
        <source>{count} messages were held for want of this template:</source>
        <translation>इस टेम्पलेट के न होने से {count} संदेश रुके हुए थे:</translation>
    </message>
    <message>
        <source>{count} held messages queued; they go with the next round.</source>
        <translation>रुके हुए {count} संदेश कतार में हैं; वे अगले दौर में जाएँगे।</translation>
    </message>
    <message>
        <source>{count} held messages left unsent.</source>
        <translation>रुके हुए {count} संदेश नहीं भेजे गए।</translation>
    </message>
    <message>
        <source>Not set up</source>
        <translation>सेट अप नहीं</translation>
    </message>
    <message>
        <source>SMS to Indian numbers go only as templates registered on DLT (Jio, Airtel, Vi or BSNL portal). Paste each exactly as the portal shows it; a message left blank is not sent by SMS.</source>
        <translation>भारतीय नंबरों पर SMS केवल DLT पर पंजीकृत टेम्पलेट के रूप में जाते हैं (Jio, Airtel, Vi या BSNL पोर्टल)। हर टेम्पलेट ठीक वैसा ही चिपकाएँ जैसा पोर्टल दिखाता है; खाली छोड़ा गया संदेश SMS से नहीं भेजा जाता।</translation>
    </message>
    <message>
        <source>Fill empty texts with the desk&apos;s wording (to register as it is)</source>
        <translation>खाली टेक्स्ट में डेस्क के अपने शब्द भरें (जैसे हैं वैसे पंजीकृत करने के लिए)</translation>
    </message>
    <message>
        <source>Principal Entity ID</source>
        <translation>प्रिंसिपल एंटिटी ID</translation>
    </message>
    <message>
        <source>Sender header</source>
        <translation>सेंडर हेडर</translation>
    </message>
    <message>
        <source>हिन्दी (Hindi)</source>
        <translation>हिन्दी (Hindi)</translation>
    </message>
    <message>
        <source>{language}: template ID</source>
        <translation>{language}: टेम्पलेट ID</translation>
    </message>
    <message>
        <source>{language}: registered text</source>
        <translation>{language}: पंजीकृत टेक्स्ट</translation>
    </message>
    <message>
        <source>Variables, in order: {names}</source>
        <translation>वेरिएबल, क्रम से: {names}</translation>
    </message>
    <message>
        <source>{count} SMS not sent: not set up. Fill in the templates below and save; new messages of this kind then go by SMS.</source>
        <translation>{count} SMS नहीं भेजे गए: सेट नहीं है। नीचे टेम्पलेट भरकर सहेजें; फिर इस तरह के नए संदेश SMS से जाएँगे।</translation>
    </message>
    <message>
        <source>Saved. SMS use these templates from the next message on.</source>
        <translation>सहेजा गया। अगले संदेश से SMS इन्हीं टेम्पलेट से जाएँगे।</translation>
    </message>
    <message>
        <source>Clinic profile</source>
        <translation>क्लिनिक प्रोफ़ाइल</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>पता</translation>
    </message>
    <message>
        <source>Twilio</source>
        <translation>Twilio</translation>
    </message>
    <message>
        <source>Exotel (sends the DLT IDs with each SMS)</source>
        <translation>Exotel (हर SMS के साथ DLT ID भेजता है)</translation>
    </message>
    <message>
        <source>A4 sheet</source>
        <translation>A4 शीट</translation>
    </message>
    <message>
        <source>A5 sheet</source>
        <translation>A5 शीट</translation>
    </message>
    <message>
        <source>Receipt roll 80 mm</source>
        <translation>रसीद रोल 80 mm</translation>
    </message>
    <message>
        <source>Receipt roll 58 mm</source>
        <translation>रसीद रोल 58 mm</translation>
    </message>
    <message>
        <source>Automatic (on for Neon and this computer)</source>
        <translation>स्वचालित (Neon और इस कंप्यूटर के लिए चालू)</translation>
    </message>
    <message>
        <source>On</source>
        <translation>चालू</translation>
    </message>
    <message>
        <source>Off (a pooler without prepared-statement support)</source>
        <translation>बंद (प्रिपेयर्ड स्टेटमेंट के बिना पूलर)</translation>
    </message>
    <message>
        <source>Singapore (api.exotel.com)</source>
        <translation>सिंगापुर (api.exotel.com)</translation>
    </message>
    <message>
        <source>Mumbai (api.in.exotel.com)</source>
        <translation>मुंबई (api.in.exotel.com)</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>फ़ोन</translation>
    </message>
    <message>
        <source>Logo (image file)</source>
        <translation>लोगो (चित्र फ़ाइल)</translation>
    </message>
    <message>
        <source>GSTIN (optional)</source>
        <translation>GSTIN (वैकल्पिक)</translation>
    </message>
    <message>
        <source>Gateway</source>
        <translation>गेटवे</translation>
    </message>
    <message>
        <source>UPI ID (VPA)</source>
        <translation>UPI ID (VPA)</translation>
    </message>
    <message>
        <source>Payee name</source>
        <translation>प्राप्तकर्ता का नाम</translation>
    </message>
    <message>
        <source>Razorpay key id</source>
        <translation>Razorpay की आईडी</translation>
    </message>
    <message>
        <source>Razorpay key secret</source>
        <translation>Razorpay की सीक्रेट की</translation>
    </message>
    <message>
        <source>SMS (Twilio)</source>
        <translation>SMS (Twilio)</translation>
    </message>
    <message>
        <source>Account SID</source>
        <translation>अकाउंट SID</translation>
    </message>
    <message>
        <source>From number</source>
        <translation>भेजने वाला नंबर</translation>
    </message>
    <message>
        <source>Auth token</source>
        <translation>ऑथ टोकन</translation>
    </message>
    <message>
        <source>SMS provider; Exotel</source>
        <translation>SMS प्रदाता; Exotel</translation>
    </message>
    <message>
        <source>Send SMS through</source>
        <translation>SMS किसके ज़रिए भेजें</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API कुंजी</translation>
    </message>
    <message>
        <source>API token</source>
        <translation>API टोकन</translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation>क्लस्टर</translation>
    </message>
    <message>
        <source>E-mail (SMTP with STARTTLS)</source>
        <translation>ई-मेल (STARTTLS के साथ SMTP)</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>सर्वर</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>पोर्ट</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>यूज़र नाम</translation>
    </message>
    <message>
        <source>From address</source>
        <translation>भेजने वाला पता</translation>
    </message>
    <message>
        <source>Telegram (daily collection to the owner)</source>
        <translation>Telegram (मालिक को दैनिक संग्रह)</translation>
    </message>
    <message>
        <source>Owner&apos;s chat id</source>
        <translation>मालिक की चैट आईडी</translation>
    </message>
    <message>
        <source>Bot token</source>
        <translation>बॉट टोकन</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>डेटाबेस</translation>
    </message>
    <message>
        <source>Remote URL (blank = embedded)</source>
        <translation>रिमोट URL (खाली = एम्बेडेड)</translation>
    </message>
    <message>
        <source>Direct URL, past a pooler (blank = derived)</source>
        <translation>सीधा URL, पूलर के पार (खाली = अपने-आप)</translation>
    </message>
    <message>
        <source>Prepared statements</source>
        <translation>प्रिपेयर्ड स्टेटमेंट</translation>
    </message>
    <message>
        <source>This desk</source>
        <translation>यह डेस्क</translation>
    </message>
    <message>
        <source>UPI poll interval (s)</source>
        <translation>UPI जाँच अंतराल (सेकंड)</translation>
    </message>
    <message>
        <source>Lock after idle (min)</source>
        <translation>निष्क्रिय रहने पर लॉक (मिनट)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>भाषा</translation>
    </message>
    <message>
        <source>Receipt paper</source>
        <translation>रसीद का कागज़</translation>
    </message>
    <message>
        <source>No off-site copy yet.</source>
        <translation>अभी तक कोई ऑफ़-साइट कॉपी नहीं।</translation>
    </message>
    <message>
        <source>Last good copy: {time}, {size}; {tables} tables, {rows} rows matched the backup.</source>
        <translation>पिछली सही कॉपी: {time}, {size}; {tables} टेबल, {rows} पंक्तियाँ बैकअप से मेल खाईं।</translation>
    </message>
    <message>
        <source>The copy at {time} failed: {reason}</source>
        <translation>{time} की कॉपी विफल रही: {reason}</translation>
    </message>
    <message>
        <source>Next try at {time}.</source>
        <translation>अगला प्रयास {time} पर।</translation>
    </message>
    <message>
        <source>No good off-site copy since the last night&apos;s time: check it now.</source>
        <translation>पिछली रात के समय से कोई सही ऑफ़-साइट कॉपी नहीं: अभी जाँचें।</translation>
    </message>
    <message>
        <source>Off-site copy (Neon or any PostgreSQL)</source>
        <translation>ऑफ़-साइट कॉपी (Neon या कोई भी PostgreSQL)</translation>
    </message>
    <message>
        <source>Off-site URL</source>
        <translation>ऑफ़-साइट URL</translation>
    </message>
    <message>
        <source>blank = keep the saved password</source>
        <translation>खाली = सहेजा गया पासवर्ड रखें</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>कनेक्शन जाँचें</translation>
    </message>
    <message>
        <source>Every night at</source>
        <translation>हर रात</translation>
    </message>
    <message>
        <source>Copy now</source>
        <translation>अभी कॉपी करें</translation>
    </message>
    <message>
        <source>This desk&apos;s data is on a remote server already; its provider keeps the off-site backups.</source>
        <translation>इस डेस्क का डेटा पहले से रिमोट सर्वर पर है; उसका प्रदाता ऑफ़-साइट बैकअप रखता है।</translation>
    </message>
    <message>
        <source>Connected to {host} (PostgreSQL {version}). {copy}</source>
        <translation>{host} से कनेक्ट हुआ (PostgreSQL {version})। {copy}</translation>
    </message>
    <message>
        <source>Saved: a copy every night at {time}.</source>
        <translation>सहेजा गया: हर रात {time} पर एक कॉपी।</translation>
    </message>
    <message>
        <source>Saved: the off-site copy is off.</source>
        <translation>सहेजा गया: ऑफ़-साइट कॉपी बंद है।</translation>
    </message>
    <message>
        <source>Copying to the off-site database…</source>
        <translation>ऑफ़-साइट डेटाबेस में कॉपी हो रहा है…</translation>
    </message>
    <message>
        <source>Payment, database, poll, idle and language settings apply when the desk next starts.</source>
        <translation>भुगतान, डेटाबेस, जाँच अंतराल, लॉक और भाषा की सेटिंग्स डेस्क के अगली बार शुरू होने पर लागू होंगी।</translation>
    </message>
    <message>
        <source>stored — type to replace</source>
        <translation>सहेजा हुआ — बदलने के लिए लिखें</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>सेट नहीं</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>सहेजा जा रहा है…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>कनेक्ट हो रहा है…</translation>
    </message>
    <message>
        <source>Saved. Payment, database, poll, idle and language settings apply when the desk next starts.</source>
        <translation>सहेजा गया। भुगतान, डेटाबेस, जाँच अंतराल, लॉक और भाषा की सेटिंग्स डेस्क के अगली बार शुरू होने पर लागू होंगी।</translation>
    </message>
    <message>
        <source>Not saved: see the messages next to the fields.</source>
        <translation>सहेजा नहीं गया: फ़ील्ड के पास के संदेश देखें।</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>भूमिका</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>पासवर्ड दोबारा</translation>
    </message>
    <message>
        <source>Reset password — {name}</source>
        <translation>पासवर्ड रीसेट — {name}</translation>
    </message>
    <message>
        <source>Set password</source>
        <translation>पासवर्ड सेट करें</translation>
    </message>
    <message>
        <source>Choose a new password for {name} ({email}) and tell them in person. This also lifts a lockout.</source>
        <translation>{name} ({email}) के लिए नया पासवर्ड चुनें और उन्हें स्वयं बताएँ। इससे लॉकआउट भी हट जाता है।</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>नया पासवर्ड</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>दोनों पासवर्ड अलग हैं।</translation>
    </message>
    <message>
        <source>Locked until</source>
        <translation>तब तक लॉक</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>कोड</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>श्रेणी</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>चालू</translation>
    </message>
    <message>
        <source>Rate (₹, incl. GST)</source>
        <translation>दर (₹, GST सहित)</translation>
    </message>
    <message>
        <source>GST</source>
        <translation>GST</translation>
    </message>
    <message>
        <source>SAC/HSN</source>
        <translation>SAC/HSN</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>सेवा</translation>
    </message>
    <message>
        <source>name</source>
        <translation>नाम</translation>
    </message>
    <message>
        <source>kind</source>
        <translation>प्रकार</translation>
    </message>
    <message>
        <source>category</source>
        <translation>श्रेणी</translation>
    </message>
    <message>
        <source>GST rate</source>
        <translation>GST दर</translation>
    </message>
    <message>
        <source>active</source>
        <translation>सक्रिय</translation>
    </message>
    <message>
        <source>Import a price list</source>
        <translation>मूल्य सूची आयात करें</translation>
    </message>
    <message>
        <source>Row {row}, {column}: {message}</source>
        <translation>पंक्ति {row}, {column}: {message}</translation>
    </message>
    <message>
        <source>Find by code or name</source>
        <translation>कोड या नाम से खोजें</translation>
    </message>
    <message>
        <source>For example Dental, Pathology</source>
        <translation>जैसे दंत, पैथोलॉजी</translation>
    </message>
    <message>
        <source>What the patient pays, GST included</source>
        <translation>मरीज़ जितना देता है, GST सहित</translation>
    </message>
    <message>
        <source>Exempt (0%)</source>
        <translation>छूट (0%)</translation>
    </message>
    <message>
        <source>9993 for health care</source>
        <translation>स्वास्थ्य सेवा के लिए 9993</translation>
    </message>
    <message>
        <source>Offered (shown when billing)</source>
        <translation>उपलब्ध (बिल बनाते समय दिखेगा)</translation>
    </message>
    <message>
        <source>Name on the bill</source>
        <translation>बिल पर नाम</translation>
    </message>
    <message>
        <source>SAC/HSN code</source>
        <translation>SAC/HSN कोड</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>नई मद</translation>
    </message>
    <message>
        <source>Save item</source>
        <translation>मद सहेजें</translation>
    </message>
    <message>
        <source>Import CSV…</source>
        <translation>CSV आयात करें…</translation>
    </message>
    <message>
        <source>Receptionists may change a price-list rate on a bill</source>
        <translation>रिसेप्शनिस्ट बिल पर मूल्य सूची की दर बदल सकते हैं</translation>
    </message>
    <message>
        <source>Exempt</source>
        <translation>छूट</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>हाँ</translation>
    </message>
    <message>
        <source>No</source>
        <translation>नहीं</translation>
    </message>
    <message>
        <source>Add item</source>
        <translation>मद जोड़ें</translation>
    </message>
    <message>
        <source>Saved {code} — {name}.</source>
        <translation>{code} — {name} सहेजा गया।</translation>
    </message>
    <message>
        <source>Receptionists may now change price-list rates on a bill.</source>
        <translation>अब रिसेप्शनिस्ट बिल पर मूल्य सूची की दरें बदल सकते हैं।</translation>
    </message>
    <message>
        <source>Receptionists now bill price-list items at their rates.</source>
        <translation>अब रिसेप्शनिस्ट मूल्य सूची की मदें उनकी तय दर पर ही बिल करते हैं।</translation>
    </message>
    <message>
        <source>The file is too large (at most 2 MB).</source>
        <translation>फ़ाइल बहुत बड़ी है (अधिकतम 2 MB)।</translation>
    </message>
    <message>
        <source>This file cannot be read.</source>
        <translation>यह फ़ाइल पढ़ी नहीं जा सकती।</translation>
    </message>
    <message>
        <source>Imported: {added} added, {changed} changed, {unchanged} unchanged.</source>
        <translation>आयात हुआ: {added} जोड़ी गईं, {changed} बदली गईं, {unchanged} जैसी थीं वैसी रहीं।</translation>
    </message>
    <message>
        <source>Nothing was imported: correct these rows and import the file again.</source>
        <translation>कुछ भी आयात नहीं हुआ: इन पंक्तियों को ठीक करके फ़ाइल फिर से आयात करें।</translation>
    </message>
    <message>
        <source>Export the price list</source>
        <translation>मूल्य सूची निर्यात करें</translation>
    </message>
    <message>
        <source>The file could not be saved there; choose another folder.</source>
        <translation>फ़ाइल वहाँ सहेजी नहीं जा सकी; कोई दूसरा फ़ोल्डर चुनें।</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>{path} में निर्यात किया गया।</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>बंद</translation>
    </message>
    <message>
        <source>Add staff</source>
        <translation>स्टाफ़ जोड़ें</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>बंद करें</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>पासवर्ड रीसेट करें</translation>
    </message>
    <message>
        <source>Password reset</source>
        <translation>पासवर्ड रीसेट हुआ</translation>
    </message>
    <message>
        <source>{name}&apos;s password is reset ({email}). Tell them the new password in person: they sign in with it now, and a lockout is lifted.</source>
        <translation>{name} का पासवर्ड रीसेट हो गया ({email})। नया पासवर्ड उन्हें खुद बताएँ: वे अब इसी से साइन इन करेंगे, और लॉकआउट हट गया है।</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled.</source>
        <translation>{name} का खाता चालू है।</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name} का खाता बंद है।</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>चालू करें</translation>
    </message>
    <message>
        <source>Open consultation</source>
        <translation>परामर्श खोलें</translation>
    </message>
    <message>
        <source>Today&apos;s queue</source>
        <translation>आज की कतार</translation>
    </message>
    <message>
        <source>Call the next patient, or choose one in the queue and open the consultation.</source>
        <translation>अगले मरीज़ को बुलाएँ, या कतार में से किसी को चुनकर परामर्श खोलें।</translation>
    </message>
    <message>
        <source>With you: token {token}, {name}</source>
        <translation>आपके पास: टोकन {token}, {name}</translation>
    </message>
    <message>
        <source>Nobody in the room</source>
        <translation>कमरे में कोई नहीं</translation>
    </message>
    <message>
        <source>Nobody is waiting.</source>
        <translation>कोई प्रतीक्षा में नहीं है।</translation>
    </message>
    <message>
        <source>This desk already uses a remote database.</source>
        <translation>यह डेस्क पहले से ही रिमोट डेटाबेस का उपयोग करता है।</translation>
    </message>
    <message>
        <source>Where and when</source>
        <translation>कहाँ और कब</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>चुनें…</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>बैकअप फ़ोल्डर</translation>
    </message>
    <message>
        <source>Every day at</source>
        <translation>हर दिन इस समय</translation>
    </message>
    <message>
        <source>Scheduled backup</source>
        <translation>निर्धारित बैकअप</translation>
    </message>
    <message>
        <source>Keep the newest</source>
        <translation>सबसे नए इतने रखें</translation>
    </message>
    <message>
        <source>The daily backup runs while any desk is open; a missed day runs at the next start.</source>
        <translation>दैनिक बैकअप तब चलता है जब कोई भी डेस्क खुला हो; छूटा हुआ दिन अगली बार शुरू करने पर चलता है।</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>बैकअप</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>अभी बैकअप लें</translation>
    </message>
    <message>
        <source>Made</source>
        <translation>बनाया गया</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>आकार</translation>
    </message>
    <message>
        <source>File</source>
        <translation>फ़ाइल</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>पुनर्स्थापित करें…</translation>
    </message>
    <message>
        <source>Restore another file…</source>
        <translation>कोई दूसरी फ़ाइल पुनर्स्थापित करें…</translation>
    </message>
    <message>
        <source>Move to Neon (or any PostgreSQL)</source>
        <translation>Neon (या किसी भी PostgreSQL) पर ले जाएँ</translation>
    </message>
    <message>
        <source>Copies this desk&apos;s embedded database into an empty remote database, checks every table&apos;s rows, then switches this desk to it. Use the URL from the Neon console (…?sslmode=require).</source>
        <translation>इस डेस्क का अंतर्निहित डेटाबेस एक खाली रिमोट डेटाबेस में कॉपी करता है, हर तालिका की पंक्तियाँ जाँचता है, फिर इस डेस्क को उस पर बदल देता है। Neon कंसोल का URL (…?sslmode=require) उपयोग करें।</translation>
    </message>
    <message>
        <source>postgresql://user@ep-….neon.tech/neondb?sslmode=require</source>
        <translation>postgresql://user@ep-….neon.tech/neondb?sslmode=require</translation>
    </message>
    <message>
        <source>blank = the password in the URL or the keyring</source>
        <translation>खाली = URL या कीरिंग में रखा पासवर्ड</translation>
    </message>
    <message>
        <source>Remote URL</source>
        <translation>रिमोट URL</translation>
    </message>
    <message>
        <source>Move to Neon…</source>
        <translation>Neon पर ले जाएँ…</translation>
    </message>
    <message>
        <source>every day at {time}</source>
        <translation>हर दिन {time} बजे</translation>
    </message>
    <message>
        <source>only when you press Back up now</source>
        <translation>केवल जब आप &apos;अभी बैकअप लें&apos; दबाएँ</translation>
    </message>
    <message>
        <source>Saved: backups go to {folder}, {when}.</source>
        <translation>सहेजा गया: बैकअप {folder} में जाएँगे, {when}।</translation>
    </message>
    <message>
        <source>(before a restore)</source>
        <translation>(पुनर्स्थापना से पहले)</translation>
    </message>
    <message>
        <source>Last backup: {time}, {size}</source>
        <translation>पिछला बैकअप: {time}, {size}</translation>
    </message>
    <message>
        <source>No backup in this folder yet.</source>
        <translation>इस फ़ोल्डर में अभी कोई बैकअप नहीं है।</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>बैकअप लिया जा रहा है…</translation>
    </message>
    <message>
        <source>Backed up to {name} ({size}).</source>
        <translation>{name} में बैकअप लिया गया ({size})।</translation>
    </message>
    <message>
        <source>Choose a backup in the list first.</source>
        <translation>पहले सूची में से एक बैकअप चुनें।</translation>
    </message>
    <message>
        <source>Restore a backup</source>
        <translation>बैकअप पुनर्स्थापित करें</translation>
    </message>
    <message>
        <source>Homa Desk backups (*.dump);;All files (*)</source>
        <translation>Homa Desk बैकअप (*.dump);;सभी फ़ाइलें (*)</translation>
    </message>
    <message>
        <source>Replace ALL of the clinic&apos;s data with the backup “{name}”?

Everything entered after that backup (patients, appointments, bills, payments) disappears on every desk. A safety copy of today&apos;s data is saved in the backup folder first.</source>
        <translation>क्लिनिक का सारा डेटा बैकअप “{name}” से बदल दें?

उस बैकअप के बाद दर्ज की गई हर चीज़ (मरीज़, अपॉइंटमेंट, बिल, भुगतान) हर डेस्क से हट जाएगी। पहले आज के डेटा की एक सुरक्षा प्रति बैकअप फ़ोल्डर में सहेजी जाती है।</translation>
    </message>
    <message>
        <source>Replace today&apos;s data</source>
        <translation>आज का डेटा बदलें</translation>
    </message>
    <message>
        <source>Restoring…</source>
        <translation>पुनर्स्थापित किया जा रहा है…</translation>
    </message>
    <message>
        <source>Restored {name}. A copy of the data it replaced is in {copy}.</source>
        <translation>{name} पुनर्स्थापित किया गया। बदले गए डेटा की प्रति {copy} में है।</translation>
    </message>
    <message>
        <source>Move to Neon</source>
        <translation>Neon पर ले जाएँ</translation>
    </message>
    <message>
        <source>Copy this desk&apos;s data into the remote database and switch this desk to it?

The remote database must be empty. Afterwards, start Homa Desk again on every computer.</source>
        <translation>इस डेस्क का डेटा रिमोट डेटाबेस में कॉपी करके इस डेस्क को उस पर बदल दें?

रिमोट डेटाबेस खाली होना चाहिए। इसके बाद हर कंप्यूटर पर Homa Desk फिर से शुरू करें।</translation>
    </message>
    <message>
        <source>Copy and switch</source>
        <translation>कॉपी करें और बदलें</translation>
    </message>
    <message>
        <source>Moving to the remote database…</source>
        <translation>रिमोट डेटाबेस पर ले जाया जा रहा है…</translation>
    </message>
    <message>
        <source>Moved: {tables} tables, {rows} rows copied and checked at {host}. This desk now uses that database: close Homa Desk and start it again. On other computers, enter the same URL in Settings → Setup.</source>
        <translation>ले जाया गया: {host} पर {tables} तालिकाएँ, {rows} पंक्तियाँ कॉपी और जाँची गईं। यह डेस्क अब उसी डेटाबेस का उपयोग करता है: Homa Desk बंद करके फिर से शुरू करें। दूसरे कंप्यूटरों पर सेटिंग्स → सेटअप में यही URL दर्ज करें।</translation>
    </message>
    <message>
        <source>Downloading the off-site copy…</source>
        <translation>ऑफ़-साइट कॉपी डाउनलोड हो रही है…</translation>
    </message>
    <message>
        <source>Restoring into this computer&apos;s database…</source>
        <translation>इस कंप्यूटर के डेटाबेस में वापस लाया जा रहा है…</translation>
    </message>
    <message>
        <source>Bringing the restored data up to this version…</source>
        <translation>वापस लाए गए डेटा को इस संस्करण तक लाया जा रहा है…</translation>
    </message>
    <message>
        <source>Switching to the restored data…</source>
        <translation>वापस लाए गए डेटा पर बदला जा रहा है…</translation>
    </message>
    <message>
        <source>Checking every table…</source>
        <translation>हर टेबल जाँची जा रही है…</translation>
    </message>
    <message>
        <source>Set up the clinic</source>
        <translation>क्लिनिक सेट अप करें</translation>
    </message>
    <message>
        <source>Setting up the clinic…</source>
        <translation>क्लिनिक सेट अप हो रहा है…</translation>
    </message>
    <message>
        <source>Setting up the database and the clinic (the first time takes a minute)…</source>
        <translation>डेटाबेस और क्लिनिक सेट अप हो रहे हैं (पहली बार में एक मिनट लगता है)…</translation>
    </message>
    <message>
        <source>Some answers need a change: go Back to the pages marked in red.</source>
        <translation>कुछ जवाब बदलने होंगे: लाल निशान वाले पेजों पर वापस जाएँ।</translation>
    </message>
    <message>
        <source>&lt;b&gt;Keyboard shortcuts&lt;/b&gt;</source>
        <translation>&lt;b&gt;कीबोर्ड शॉर्टकट&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Esc closes this help.</source>
        <translation>Esc से यह सहायता बंद होती है।</translation>
    </message>
    <message>
        <source>1 bill</source>
        <translation>1 बिल</translation>
    </message>
    <message>
        <source>{count} bills</source>
        <translation>{count} बिल</translation>
    </message>
    <message>
        <source>1 payment</source>
        <translation>1 भुगतान</translation>
    </message>
    <message>
        <source>{count} payments</source>
        <translation>{count} भुगतान</translation>
    </message>
    <message>
        <source>Bills</source>
        <translation>बिल</translation>
    </message>
    <message>
        <source>Show more</source>
        <translation>और दिखाएँ</translation>
    </message>
    <message>
        <source>Open bill</source>
        <translation>बिल खोलें</translation>
    </message>
    <message>
        <source>Billed {billed} · Paid {paid} · Balance due &lt;b&gt;{due}&lt;/b&gt;</source>
        <translation>बिल {billed} · भुगतान {paid} · बकाया &lt;b&gt;{due}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Bills ({count})</source>
        <translation>बिल ({count})</translation>
    </message>
    <message>
        <source>Payments ({count})</source>
        <translation>भुगतान ({count})</translation>
    </message>
    <message>
        <source>No bills or payments yet.</source>
        <translation>अभी कोई बिल या भुगतान नहीं।</translation>
    </message>
    <message>
        <source>Newest {bills_shown} of {bills}, {payments_shown} of {payments}.</source>
        <translation>{bills} में से नवीनतम {bills_shown}, {payments} में से {payments_shown}।</translation>
    </message>
    <message>
        <source>UPI (by reference / UTR)</source>
        <translation>UPI (संदर्भ / UTR से)</translation>
    </message>
    <message>
        <source>Take payment — bill {number}</source>
        <translation>भुगतान लें — बिल {number}</translation>
    </message>
    <message>
        <source>Card slip, UTR or wallet reference</source>
        <translation>कार्ड स्लिप, UTR या वॉलेट संदर्भ</translation>
    </message>
    <message>
        <source>optional, to work out the change</source>
        <translation>वैकल्पिक, बाक़ी पैसे निकालने के लिए</translation>
    </message>
    <message>
        <source>Handed over (₹)</source>
        <translation>मरीज़ ने दिए (₹)</translation>
    </message>
    <message>
        <source>Change to give</source>
        <translation>लौटाने की राशि</translation>
    </message>
    <message>
        <source>Record payment</source>
        <translation>भुगतान दर्ज करें</translation>
    </message>
    <message>
        <source>balance due {amount}</source>
        <translation>बकाया {amount}</translation>
    </message>
    <message>
        <source>Bill no.</source>
        <translation>बिल क्र.</translation>
    </message>
    <message>
        <source>This payment has no bill to open (an advance, or recorded before bills existed).</source>
        <translation>इस भुगतान का खोलने लायक कोई बिल नहीं (अग्रिम, या बिल शुरू होने से पहले दर्ज)।</translation>
    </message>
    <message>
        <source> or </source>
        <translation> या </translation>
    </message>
    <message>
        <source>Register a new patient</source>
        <translation>नया मरीज़ पंजीकृत करें</translation>
    </message>
    <message>
        <source>Search patients by name, mobile or patient number</source>
        <translation>नाम, मोबाइल या मरीज़ क्रमांक से मरीज़ खोजें</translation>
    </message>
    <message>
        <source>Book: pick a slot in the schedule with the arrow keys, then Ctrl+B or Enter</source>
        <translation>बुक करें: शेड्यूल में तीर कुंजियों से स्लॉट चुनें, फिर Ctrl+B या Enter</translation>
    </message>
    <message>
        <source>Take payment for the open bill, the patient found&apos;s unpaid bill, or the one selected in Billing</source>
        <translation>खुले बिल का, मिले हुए मरीज़ के बकाया बिल का, या बिलिंग में चुने हुए बिल का भुगतान लें</translation>
    </message>
    <message>
        <source>Pay by UPI: the same bill as F9, with the QR code</source>
        <translation>UPI से भुगतान: F9 वाला ही बिल, QR कोड के साथ</translation>
    </message>
    <message>
        <source>Add a walk-in: the patient found (or choose one), then the doctor; gives the token</source>
        <translation>वॉक-इन जोड़ें: मिला हुआ मरीज़ (या कोई चुनें), फिर डॉक्टर; टोकन मिलता है</translation>
    </message>
    <message>
        <source>Check in: the patient found&apos;s booking today, or choose from today&apos;s bookings</source>
        <translation>चेक-इन: मिले हुए मरीज़ की आज की बुकिंग, या आज की बुकिंग में से चुनें</translation>
    </message>
    <message>
        <source>New bill for the patient found (or choose one)</source>
        <translation>मिले हुए मरीज़ (या चुने हुए) के लिए नया बिल</translation>
    </message>
    <message>
        <source>Call next in the chosen doctor&apos;s queue</source>
        <translation>चुने हुए डॉक्टर की कतार से अगले को बुलाएँ</translation>
    </message>
    <message>
        <source>Show this list of shortcuts</source>
        <translation>शॉर्टकट की यह सूची दिखाएँ</translation>
    </message>
    <message>
        <source>Next or previous field, top to bottom, then the buttons</source>
        <translation>अगला या पिछला फ़ील्ड, ऊपर से नीचे, फिर बटन</translation>
    </message>
    <message>
        <source>The dialog&apos;s main button (Register, Book, Record payment…)</source>
        <translation>डायलॉग का मुख्य बटन (पंजीकृत करें, बुक करें, भुगतान दर्ज करें…)</translation>
    </message>
    <message>
        <source>Close a dialog without saving, or close this help</source>
        <translation>बिना सहेजे डायलॉग बंद करें, या यह सहायता बंद करें</translation>
    </message>
    <message>
        <source>Go to {page}</source>
        <translation>{page} पर जाएँ</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>समय</translation>
    </message>
    <message>
        <source>Patient No.</source>
        <translation>मरीज़ क्र.</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>विज़िट</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>चरण</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>शुल्क</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>देख लिया</translation>
    </message>
    <message>
        <source>Today&apos;s visits without a bill</source>
        <translation>आज की बिना बिल वाली विज़िट</translation>
    </message>
    <message>
        <source>Bill this visit…</source>
        <translation>इस विज़िट का बिल बनाएँ…</translation>
    </message>
    <message>
        <source>Bill ready, unpaid</source>
        <translation>बिल तैयार, भुगतान बाकी</translation>
    </message>
    <message>
        <source>Open bill…</source>
        <translation>बिल खोलें…</translation>
    </message>
    <message>
        <source>Bill {number} — {name}</source>
        <translation>बिल {number} — {name}</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>बदलाव सहेजें</translation>
    </message>
    <message>
        <source>Edit lines…</source>
        <translation>पंक्तियाँ बदलें…</translation>
    </message>
    <message>
        <source>1 visit to bill.</source>
        <translation>1 विज़िट का बिल बनाना है।</translation>
    </message>
    <message>
        <source>{count} visits to bill.</source>
        <translation>{count} विज़िट के बिल बनाने हैं।</translation>
    </message>
    <message>
        <source>Every visit of today has its bill.</source>
        <translation>आज की हर विज़िट का बिल बन गया है।</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>पिछले 7 दिन</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>पिछले 30 दिन</translation>
    </message>
    <message>
        <source>Last 365 days</source>
        <translation>पिछले 365 दिन</translation>
    </message>
    <message>
        <source>Patient name or bill number</source>
        <translation>मरीज़ का नाम या बिल नंबर</translation>
    </message>
    <message>
        <source>New bill…</source>
        <translation>नया बिल…</translation>
    </message>
    <message>
        <source>1 bill.</source>
        <translation>1 बिल।</translation>
    </message>
    <message>
        <source>{count} bills.</source>
        <translation>{count} बिल।</translation>
    </message>
    <message>
        <source>No bills.</source>
        <translation>कोई बिल नहीं।</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>स्टाफ़</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>क्लिनिक</translation>
    </message>
    <message>
        <source>Doctors</source>
        <translation>डॉक्टर</translation>
    </message>
    <message>
        <source>Setup</source>
        <translation>सेटअप</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>बैकअप</translation>
    </message>
    <message>
        <source>WhatsApp</source>
        <translation>WhatsApp</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>मूल्य सूची</translation>
    </message>
    <message>
        <source>Desks</source>
        <translation>डेस्क</translation>
    </message>
    <message>
        <source>Where the clinic&apos;s data lives</source>
        <translation>क्लिनिक का डेटा कहाँ रहेगा</translation>
    </message>
    <message>
        <source>You can move to Neon later from Settings.</source>
        <translation>आप बाद में सेटिंग्स से Neon पर जा सकते हैं।</translation>
    </message>
    <message>
        <source>This computer (recommended when this is the clinic&apos;s only desk)</source>
        <translation>यह कंप्यूटर (जब क्लिनिक में यही एक डेस्क हो तो यही चुनें)</translation>
    </message>
    <message>
        <source>This computer, shared with the clinic&apos;s other computers on this network</source>
        <translation>यह कंप्यूटर, इस नेटवर्क पर क्लिनिक के दूसरे कंप्यूटरों के साथ साझा</translation>
    </message>
    <message>
        <source>A PostgreSQL server such as Neon (for several desks)</source>
        <translation>Neon जैसा PostgreSQL सर्वर (कई डेस्क के लिए)</translation>
    </message>
    <message>
        <source>Join a clinic on this network (its host computer shows a join code)</source>
        <translation>इस नेटवर्क पर किसी क्लिनिक से जुड़ें (उसका होस्ट कंप्यूटर जॉइन कोड दिखाता है)</translation>
    </message>
    <message>
        <source>postgresql://user:password@host/dbname?sslmode=require</source>
        <translation>postgresql://user:password@host/dbname?sslmode=require</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>सर्वर URL</translation>
    </message>
    <message>
        <source>Blank for Neon or a server without a pooler</source>
        <translation>Neon या बिना पूलर वाले सर्वर के लिए खाली छोड़ें</translation>
    </message>
    <message>
        <source>Direct URL, past a pooler</source>
        <translation>सीधा URL, पूलर के पार</translation>
    </message>
    <message>
        <source>Restore from the off-site copy (a new computer for an existing clinic)</source>
        <translation>ऑफ़-साइट कॉपी से वापस लाएँ (मौजूदा क्लिनिक के लिए नया कंप्यूटर)</translation>
    </message>
    <message>
        <source>The password goes to this computer&apos;s keyring; the URL is saved without it. A server on another machine must use TLS (?sslmode=require).</source>
        <translation>पासवर्ड इस कंप्यूटर की कीरिंग में जाता है; URL उसके बिना सहेजा जाता है। किसी दूसरी मशीन के सर्वर को TLS (?sslmode=require) इस्तेमाल करना होगा।</translation>
    </message>
    <message>
        <source>This database already has a clinic and its admin: this desk will join it.</source>
        <translation>इस डेटाबेस में पहले से क्लिनिक और उसका एडमिन है: यह डेस्क उससे जुड़ जाएगा।</translation>
    </message>
    <message>
        <source>The database is empty: Finish creates the clinic&apos;s tables in it.</source>
        <translation>डेटाबेस खाली है: Finish दबाने पर उसमें क्लिनिक की टेबल बनेंगी।</translation>
    </message>
    <message>
        <source>The database has the clinic&apos;s tables but no admin yet.</source>
        <translation>डेटाबेस में क्लिनिक की टेबल हैं, पर अभी कोई एडमिन नहीं।</translation>
    </message>
    <message>
        <source>Restore from the off-site copy</source>
        <translation>ऑफ़-साइट कॉपी से वापस लाएँ</translation>
    </message>
    <message>
        <source>The URL and password of the database that keeps the clinic&apos;s nightly off-site copy.</source>
        <translation>उस डेटाबेस का URL और पासवर्ड जिसमें क्लिनिक की रात की ऑफ़-साइट कॉपी रहती है।</translation>
    </message>
    <message>
        <source>Finish copies the latest good copy into this computer&apos;s own database and checks every table&apos;s rows; then sign in with your usual account.</source>
        <translation>समाप्त करने पर नवीनतम सही कॉपी इस कंप्यूटर के अपने डेटाबेस में आती है और हर टेबल की पंक्तियाँ जाँची जाती हैं; फिर अपने सामान्य खाते से साइन इन करें।</translation>
    </message>
    <message>
        <source>Join the clinic&apos;s database</source>
        <translation>क्लिनिक के डेटाबेस से जुड़ें</translation>
    </message>
    <message>
        <source>This database already has its admin: no new clinic is created.</source>
        <translation>इस डेटाबेस में पहले से एडमिन है: कोई नया क्लिनिक नहीं बनेगा।</translation>
    </message>
    <message>
        <source>Finish saves the connection on this desk; then sign in with the account your admin gave you.</source>
        <translation>Finish दबाने पर कनेक्शन इस डेस्क पर सहेजा जाएगा; फिर एडमिन के दिए खाते से साइन इन करें।</translation>
    </message>
    <message>
        <source>Your full name</source>
        <translation>आपका पूरा नाम</translation>
    </message>
    <message>
        <source>The admin account</source>
        <translation>एडमिन खाता</translation>
    </message>
    <message>
        <source>The admin adds the other staff. There is no default password.</source>
        <translation>एडमिन बाकी स्टाफ़ जोड़ते हैं। कोई डिफ़ॉल्ट पासवर्ड नहीं है।</translation>
    </message>
    <message>
        <source>The clinic</source>
        <translation>क्लिनिक</translation>
    </message>
    <message>
        <source>Shown on the desk, bills and receipts.</source>
        <translation>डेस्क, बिल और रसीदों पर दिखता है।</translation>
    </message>
    <message>
        <source>Sunrise Clinic</source>
        <translation>Sunrise Clinic</translation>
    </message>
    <message>
        <source>optional PNG, JPEG, SVG or BMP</source>
        <translation>वैकल्पिक PNG, JPEG, SVG या BMP</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>चुनें…</translation>
    </message>
    <message>
        <source>Logo</source>
        <translation>लोगो</translation>
    </message>
    <message>
        <source>GSTIN</source>
        <translation>GSTIN</translation>
    </message>
    <message>
        <source>optional, 27AAPFU0939F1ZV</source>
        <translation>वैकल्पिक, 27AAPFU0939F1ZV</translation>
    </message>
    <message>
        <source>The clinic&apos;s logo</source>
        <translation>क्लिनिक का लोगो</translation>
    </message>
    <message>
        <source>Images ({patterns})</source>
        <translation>चित्र ({patterns})</translation>
    </message>
    <message>
        <source>clinic@okaxis</source>
        <translation>clinic@okaxis</translation>
    </message>
    <message>
        <source>as the bank account shows</source>
        <translation>जैसा बैंक खाते में दिखता है</translation>
    </message>
    <message>
        <source>UPI payments</source>
        <translation>UPI भुगतान</translation>
    </message>
    <message>
        <source>Patients scan a QR for this UPI ID. Leave both blank to practise with the simulator first.</source>
        <translation>मरीज़ इस UPI ID के लिए QR स्कैन करते हैं। पहले सिम्युलेटर से अभ्यास के लिए दोनों खाली छोड़ें।</translation>
    </message>
    <message>
        <source>optional, rzp_live_…</source>
        <translation>वैकल्पिक, rzp_live_…</translation>
    </message>
    <message>
        <source>Payment gateway (optional)</source>
        <translation>पेमेंट गेटवे (वैकल्पिक)</translation>
    </message>
    <message>
        <source>With Razorpay keys the desk confirms UPI payments itself. The secret is kept in this computer&apos;s keyring.</source>
        <translation>Razorpay कुंजियों से डेस्क UPI भुगतान की पुष्टि खुद करता है। Secret इस कंप्यूटर की कीरिंग में रखा जाता है।</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>तैयार</translation>
    </message>
    <message>
        <source>Finish creates the clinic and its admin; then sign in.</source>
        <translation>Finish दबाने पर क्लिनिक और उसका एडमिन बनेगा; फिर साइन इन करें।</translation>
    </message>
    <message>
        <source>Add a demo clinic to try the desk (doctors, patients, today&apos;s appointments)</source>
        <translation>डेस्क आज़माने के लिए डेमो क्लिनिक जोड़ें (डॉक्टर, मरीज़, आज के अपॉइंटमेंट)</translation>
    </message>
    <message>
        <source>Print receipt {number}</source>
        <translation>रसीद प्रिंट करें {number}</translation>
    </message>
    <message>
        <source>Print daily collection {day}</source>
        <translation>दैनिक संग्रह प्रिंट करें {day}</translation>
    </message>
    <message>
        <source>Money held for review — bill {number}</source>
        <translation>जाँच के लिए रोकी गई राशि — बिल {number}</translation>
    </message>
    <message>
        <source>{method} {amount} held: {reason}</source>
        <translation>{method} {amount} रोकी गई: {reason}</translation>
    </message>
    <message>
        <source>Accept toward this bill</source>
        <translation>इस बिल में स्वीकार करें</translation>
    </message>
    <message>
        <source>Refund it (all or part)</source>
        <translation>रिफ़ंड करें (पूरा या आंशिक)</translation>
    </message>
    <message>
        <source>Move it to another open bill of {name}</source>
        <translation>{name} के किसी दूसरे खुले बिल में ले जाएँ</translation>
    </message>
    <message>
        <source>Gateway refund id or bank reference</source>
        <translation>गेटवे रिफ़ंड आईडी या बैंक संदर्भ</translation>
    </message>
    <message>
        <source>Held money</source>
        <translation>रोकी गई राशि</translation>
    </message>
    <message>
        <source>Move to bill</source>
        <translation>इस बिल में ले जाएँ</translation>
    </message>
    <message>
        <source>Refund (₹)</source>
        <translation>रिफ़ंड (₹)</translation>
    </message>
    <message>
        <source>Refund reference</source>
        <translation>रिफ़ंड संदर्भ</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>निपटारा करें</translation>
    </message>
    <message>
        <source>{number}: {due} due</source>
        <translation>{number}: {due} बकाया</translation>
    </message>
    <message>
        <source>No money is held on this bill.</source>
        <translation>इस बिल पर कोई राशि रोकी नहीं गई है।</translation>
    </message>
    <message>
        <source>Record a refund you made at the gateway or by bank transfer; what is not refunded stays held.</source>
        <translation>गेटवे या बैंक ट्रांसफ़र से किया गया रिफ़ंड दर्ज करें; जो रिफ़ंड नहीं हुआ वह रोका ही रहेगा।</translation>
    </message>
    <message>
        <source>This patient has no other open bill.</source>
        <translation>इस मरीज़ का कोई दूसरा खुला बिल नहीं है।</translation>
    </message>
    <message>
        <source>{counted} counts toward the bill and the other {excess} is refunded: enter the refund&apos;s reference and reason.</source>
        <translation>{counted} बिल में गिना जाएगा और बाक़ी {excess} रिफ़ंड होगा: रिफ़ंड का संदर्भ और कारण दर्ज करें।</translation>
    </message>
    <message>
        <source>All {amount} counts toward the bill.</source>
        <translation>पूरा {amount} बिल में गिना जाएगा।</translation>
    </message>
    <message>
        <source>Paid at</source>
        <translation>भुगतान का समय</translation>
    </message>
    <message>
        <source>Held</source>
        <translation>रोकी गई</translation>
    </message>
    <message>
        <source>Gateway payment</source>
        <translation>गेटवे भुगतान</translation>
    </message>
    <message>
        <source>UTR</source>
        <translation>UTR</translation>
    </message>
    <message>
        <source>No money is held for review.</source>
        <translation>जाँच के लिए कोई राशि रोकी नहीं गई है।</translation>
    </message>
    <message>
        <source>Double-click one to open its bill and resolve it.</source>
        <translation>बिल खोलकर निपटारा करने के लिए डबल-क्लिक करें।</translation>
    </message>
    <message>
        <source>An admin resolves held money; it does not count as paid until then.</source>
        <translation>रोकी गई राशि का निपटारा एडमिन करते हैं; तब तक यह भुगतान में नहीं गिनी जाती।</translation>
    </message>
    <message>
        <source>{count} payments, {amount} held for review.</source>
        <translation>{count} भुगतान, {amount} जाँच के लिए रोकी गई।</translation>
    </message>
    <message>
        <source>The gateway received this money on no QR of this desk (gateway payment {id}): find who paid in the gateway&apos;s dashboard, then refund it or count it toward their bill.</source>
        <translation>गेटवे को यह पैसा इस डेस्क के किसी QR पर नहीं मिला (गेटवे भुगतान {id}): गेटवे के डैशबोर्ड में देखें कि किसने भुगतान किया, फिर इसे रिफ़ंड करें या उनके बिल में गिनें।</translation>
    </message>
    <message>
        <source>This money came with no bill: look up the patient&apos;s bills and move it there.</source>
        <translation>यह राशि बिना बिल के आई है: मरीज़ के बिल देखें और उसे वहाँ ले जाएँ।</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>परिणाम</translation>
    </message>
    <message>
        <source>At the gateway</source>
        <translation>गेटवे पर</translation>
    </message>
    <message>
        <source>At the desk</source>
        <translation>डेस्क पर</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>टिप्पणी</translation>
    </message>
    <message>
        <source>Cash the desk recorded (less cash refunds): &lt;b&gt;{amount}&lt;/b&gt;</source>
        <translation>डेस्क पर दर्ज नकद (नकद रिफ़ंड घटाकर): &lt;b&gt;{amount}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Not counted yet.</source>
        <translation>अभी गिना नहीं गया।</translation>
    </message>
    <message>
        <source>Cash was recorded or refunded after this count: count the drawer again.</source>
        <translation>इस गिनती के बाद नकद दर्ज या रिफ़ंड हुआ: दराज फिर से गिनें।</translation>
    </message>
    <message>
        <source>({count} counts; the latest stands.)</source>
        <translation>({count} गिनतियाँ; सबसे नई मान्य है।)</translation>
    </message>
    <message>
        <source>matches</source>
        <translation>मेल खाता है</translation>
    </message>
    <message>
        <source>over by {amount}</source>
        <translation>{amount} अधिक</translation>
    </message>
    <message>
        <source>short by {amount}</source>
        <translation>{amount} कम</translation>
    </message>
    <message>
        <source>Counted &lt;b&gt;{counted}&lt;/b&gt; by {name} at {time}: {verdict}</source>
        <translation>{name} ने {time} पर &lt;b&gt;{counted}&lt;/b&gt; गिना: {verdict}</translation>
    </message>
    <message>
        <source>Static UPI: no payment gateway sees this money. Check the day&apos;s UPI payments against the clinic&apos;s bank statement.</source>
        <translation>स्टैटिक UPI: यह पैसा कोई पेमेंट गेटवे नहीं देखता। दिन के UPI भुगतानों को क्लिनिक के बैंक स्टेटमेंट से मिलाएँ।</translation>
    </message>
    <message>
        <source>{gateway} captured {count} payments ({total}); {matched} match the desk.</source>
        <translation>{gateway} ने {count} भुगतान ({total}) प्राप्त किए; {matched} डेस्क से मेल खाते हैं।</translation>
    </message>
    <message>
        <source>Nothing to look into.</source>
        <translation>जाँचने को कुछ नहीं।</translation>
    </message>
    <message>
        <source>Held for review: {held}; not at the gateway: {desk_only}; amounts differ: {differs}.</source>
        <translation>समीक्षा के लिए रोके गए: {held}; गेटवे पर नहीं: {desk_only}; राशि अलग: {differs}।</translation>
    </message>
    <message>
        <source>Close of day</source>
        <translation>दिन की समाप्ति</translation>
    </message>
    <message>
        <source>Counted in the drawer, e.g. 12500</source>
        <translation>दराज में गिना गया, जैसे 12500</translation>
    </message>
    <message>
        <source>Why it differs (needed when it does)</source>
        <translation>अंतर का कारण (अंतर हो तो ज़रूरी)</translation>
    </message>
    <message>
        <source>Record count</source>
        <translation>गिनती दर्ज करें</translation>
    </message>
    <message>
        <source>Counted cash</source>
        <translation>गिना गया नकद</translation>
    </message>
    <message>
        <source>Check UPI with the gateway</source>
        <translation>गेटवे से UPI जाँचें</translation>
    </message>
    <message>
        <source>Not checked yet.</source>
        <translation>अभी जाँचा नहीं गया।</translation>
    </message>
    <message>
        <source>Asking the payment gateway…</source>
        <translation>पेमेंट गेटवे से पूछ रहे हैं…</translation>
    </message>
    <message>
        <source>WhatsApp, then SMS, then e-mail</source>
        <translation>WhatsApp, फिर SMS, फिर ई-मेल</translation>
    </message>
    <message>
        <source>WhatsApp, then SMS</source>
        <translation>WhatsApp, फिर SMS</translation>
    </message>
    <message>
        <source>SMS, then e-mail</source>
        <translation>SMS, फिर ई-मेल</translation>
    </message>
    <message>
        <source>SMS only</source>
        <translation>केवल SMS</translation>
    </message>
    <message>
        <source>E-mail, then SMS</source>
        <translation>ई-मेल, फिर SMS</translation>
    </message>
    <message>
        <source>WhatsApp messages go as the templates Meta approved for the clinic. A patient gets each message once: by the channel they chose, else the first in this order they agreed to; the next is tried only when a channel refuses the message or stays down, never when it may have arrived.</source>
        <translation>WhatsApp संदेश उन्हीं टेम्पलेट में जाते हैं जिन्हें Meta ने क्लिनिक के लिए स्वीकृत किया है। मरीज़ को हर संदेश एक ही बार मिलता है: उनके चुने माध्यम से, वरना इस क्रम में पहले उस माध्यम से जिसके लिए उन्होंने सहमति दी; अगला माध्यम तभी आज़माया जाता है जब कोई माध्यम संदेश अस्वीकार करे या बंद रहे, तब कभी नहीं जब संदेश पहुँच गया हो सकता है।</translation>
    </message>
    <message>
        <source>Phone number ID</source>
        <translation>फ़ोन नंबर ID</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>एक्सेस टोकन</translation>
    </message>
    <message>
        <source>Send patients&apos; messages by</source>
        <translation>मरीज़ों के संदेश इससे भेजें</translation>
    </message>
    <message>
        <source>Saved. The desk sends by WhatsApp from its next round.</source>
        <translation>सहेजा गया। डेस्क अगले दौर से WhatsApp से भेजेगा।</translation>
    </message>
    <message>
        <source>Walk-in…</source>
        <translation>वॉक-इन…</translation>
    </message>
    <message>
        <source>Book…</source>
        <translation>बुक करें…</translation>
    </message>
    <message>
        <source>M</source>
        <translation>पु</translation>
    </message>
    <message>
        <source>F</source>
        <translation>म</translation>
    </message>
    <message>
        <source>~{years} y</source>
        <translation>~{years} वर्ष</translation>
    </message>
    <message>
        <source>{years} y</source>
        <translation>{years} वर्ष</translation>
    </message>
    <message>
        <source>Waiting room screen</source>
        <translation>प्रतीक्षा कक्ष स्क्रीन</translation>
    </message>
    <message>
        <source>English and हिन्दी in turn</source>
        <translation>बारी-बारी से अंग्रेज़ी और हिन्दी</translation>
    </message>
    <message>
        <source>Show the called patient&apos;s first name (never the full name)</source>
        <translation>बुलाए गए मरीज़ का पहला नाम दिखाएँ (पूरा नाम कभी नहीं)</translation>
    </message>
    <message>
        <source>Full screen on screen {number}: {name} ({width}×{height})</source>
        <translation>स्क्रीन {number} पर पूरी स्क्रीन: {name} ({width}×{height})</translation>
    </message>
    <message>
        <source>In a window</source>
        <translation>एक विंडो में</translation>
    </message>
    <message>
        <source>On the customer display, between payments</source>
        <translation>ग्राहक डिस्प्ले पर, भुगतानों के बीच</translation>
    </message>
    <message>
        <source>Print advance receipt {number}</source>
        <translation>अग्रिम रसीद {number} छापें</translation>
    </message>
    <message>
        <source>Advance No.</source>
        <translation>अग्रिम सं.</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>लगाया</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>उपलब्ध</translation>
    </message>
    <message>
        <source>What</source>
        <translation>क्या</translation>
    </message>
    <message>
        <source>By</source>
        <translation>किसने</translation>
    </message>
    <message>
        <source>Used on bill {number}</source>
        <translation>बिल {number} में लगाया</translation>
    </message>
    <message>
        <source>Used on bill {number}, returned (bill cancelled)</source>
        <translation>बिल {number} में लगाया, लौटाया (बिल रद्द)</translation>
    </message>
    <message>
        <source>Refunded: {reason}</source>
        <translation>वापस किया: {reason}</translation>
    </message>
    <message>
        <source>Receive advance…</source>
        <translation>अग्रिम लें…</translation>
    </message>
    <message>
        <source>Refund advance…</source>
        <translation>अग्रिम वापस करें…</translation>
    </message>
    <message>
        <source>Advance balance &lt;b&gt;{amount}&lt;/b&gt;</source>
        <translation>अग्रिम शेष &lt;b&gt;{amount}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>No advances yet.</source>
        <translation>अभी कोई अग्रिम नहीं।</translation>
    </message>
    <message>
        <source>Save advance receipt as PDF</source>
        <translation>अग्रिम रसीद PDF में सहेजें</translation>
    </message>
    <message>
        <source>Off-site copy failed</source>
        <translation>ऑफ़-साइट कॉपी विफल</translation>
    </message>
    <message>
        <source>Off-site copy missed</source>
        <translation>ऑफ़-साइट कॉपी छूट गई</translation>
    </message>
    <message>
        <source>Print {report}</source>
        <translation>{report} प्रिंट करें</translation>
    </message>
    <message>
        <source>No doctor</source>
        <translation>कोई डॉक्टर नहीं</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} से {last} तक</translation>
    </message>
    <message>
        <source>Save PDF</source>
        <translation>PDF सहेजें</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV निर्यात करें</translation>
    </message>
    <message>
        <source>Collections</source>
        <translation>वसूली</translation>
    </message>
    <message>
        <source>Collected per month</source>
        <translation>हर महीने की वसूली</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>महीना</translation>
    </message>
    <message>
        <source>Net by method per month</source>
        <translation>हर महीने, तरीक़े के अनुसार शुद्ध</translation>
    </message>
    <message>
        <source>By doctor, all twelve months</source>
        <translation>डॉक्टर के अनुसार, बारह महीने</translation>
    </message>
    <message>
        <source>Visits and patients</source>
        <translation>विज़िट और मरीज़</translation>
    </message>
    <message>
        <source>Visits per month</source>
        <translation>हर महीने की विज़िट</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>विज़िट</translation>
    </message>
    <message>
        <source>New</source>
        <translation>नए</translation>
    </message>
    <message>
        <source>Returning</source>
        <translation>दोबारा आए</translation>
    </message>
    <message>
        <source>New and returning patients</source>
        <translation>नए और दोबारा आए मरीज़</translation>
    </message>
    <message>
        <source>Visits by doctor, all twelve months</source>
        <translation>डॉक्टर के अनुसार विज़िट, बारह महीने</translation>
    </message>
    <message>
        <source>Procedures and medicines</source>
        <translation>प्रक्रियाएँ और दवाइयाँ</translation>
    </message>
    <message>
        <source>Top {count} procedures</source>
        <translation>शीर्ष {count} प्रक्रियाएँ</translation>
    </message>
    <message>
        <source>Top {count} medicines</source>
        <translation>शीर्ष {count} दवाइयाँ</translation>
    </message>
    <message>
        <source>Times billed</source>
        <translation>कितनी बार बिल हुआ</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>मात्रा</translation>
    </message>
    <message>
        <source>Twelve months up to &amp;month</source>
        <translation>इस &amp;महीने तक के बारह महीने</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>ऑडिट लॉग</translation>
    </message>
    <message>
        <source>New join code</source>
        <translation>नया जॉइन कोड</translation>
    </message>
    <message>
        <source>Share this clinic with the clinic&apos;s other computers</source>
        <translation>यह क्लिनिक क्लिनिक के दूसरे कंप्यूटरों के साथ साझा करें</translation>
    </message>
    <message>
        <source>Computer</source>
        <translation>कंप्यूटर</translation>
    </message>
    <message>
        <source>Joined</source>
        <translation>जुड़ा</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>आख़िरी बार दिखा</translation>
    </message>
    <message>
        <source>Remove this computer</source>
        <translation>यह कंप्यूटर हटाएँ</translation>
    </message>
    <message>
        <source>This computer hosts the clinic on {addresses}. Its certificate: {fingerprint}. A joining computer shows the same before it asks for the code.</source>
        <translation>यह कंप्यूटर {addresses} पर क्लिनिक होस्ट करता है। इसका सर्टिफ़िकेट: {fingerprint}। जुड़ने वाला कंप्यूटर कोड माँगने से पहले यही दिखाता है।</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is on this computer only. Share it, and the clinic&apos;s other computers on this network can join with a code an admin shows here.</source>
        <translation>क्लिनिक का डेटा सिर्फ़ इसी कंप्यूटर पर है। इसे साझा करें, तो इस नेटवर्क पर क्लिनिक के दूसरे कंप्यूटर उस कोड से जुड़ सकते हैं जो एडमिन यहाँ दिखाता है।</translation>
    </message>
    <message>
        <source>This desk uses a database on another computer: join codes are made on the computer that hosts the clinic.</source>
        <translation>यह डेस्क दूसरे कंप्यूटर का डेटाबेस इस्तेमाल करता है: जॉइन कोड उसी कंप्यूटर पर बनते हैं जो क्लिनिक होस्ट करता है।</translation>
    </message>
    <message>
        <source>now</source>
        <translation>अभी</translation>
    </message>
    <message>
        <source>never</source>
        <translation>कभी नहीं</translation>
    </message>
    <message>
        <source>Valid for {minutes} minutes, once.</source>
        <translation>{minutes} मिनट तक, एक बार मान्य।</translation>
    </message>
    <message>
        <source>Choose the computer to remove first.</source>
        <translation>पहले हटाने वाला कंप्यूटर चुनें।</translation>
    </message>
    <message>
        <source>Join a clinic on this network</source>
        <translation>इस नेटवर्क पर किसी क्लिनिक से जुड़ें</translation>
    </message>
    <message>
        <source>The clinic&apos;s host computer must be on, with its desk open.</source>
        <translation>क्लिनिक का होस्ट कंप्यूटर चालू हो और उस पर डेस्क खुला हो।</translation>
    </message>
    <message>
        <source>Look for the clinic&apos;s host</source>
        <translation>क्लिनिक का होस्ट खोजें</translation>
    </message>
    <message>
        <source>or type its address, like 192.168.1.10</source>
        <translation>या उसका पता लिखें, जैसे 192.168.1.10</translation>
    </message>
    <message>
        <source>Check the host</source>
        <translation>होस्ट जाँचें</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>होस्ट</translation>
    </message>
    <message>
        <source>Join code</source>
        <translation>जॉइन कोड</translation>
    </message>
    <message>
        <source>This computer&apos;s name</source>
        <translation>इस कंप्यूटर का नाम</translation>
    </message>
    <message>
        <source>Looking…</source>
        <translation>खोज रहे हैं…</translation>
    </message>
    <message>
        <source>No host answered. Type its address below (the host&apos;s Settings → Desks shows it).</source>
        <translation>किसी होस्ट ने जवाब नहीं दिया। नीचे उसका पता लिखें (होस्ट की सेटिंग्स → डेस्क में दिखता है)।</translation>
    </message>
    <message>
        <source>The host&apos;s certificate: {fingerprint}. Check that the host&apos;s Settings → Desks shows the same, then type the code it shows.</source>
        <translation>होस्ट का सर्टिफ़िकेट: {fingerprint}। जाँचें कि होस्ट की सेटिंग्स → डेस्क में यही दिखता है, फिर वहाँ दिखा कोड लिखें।</translation>
    </message>
    <message>
        <source>Add from the price list: type a code or name (2 letters or more)</source>
        <translation>मूल्य सूची से जोड़ें: कोड या नाम लिखें (2 या अधिक अक्षर)</translation>
    </message>
</context>
<context>
    <name>ServiceMessages</name>
    <message>
        <source>The database at {host} is at schema revision {current}; this desk needs {head}. Run `homa-desk db upgrade` once, then start the desk again.</source>
        <translation>डेटाबेस {host} स्कीमा संशोधन {current} पर है; इस डेस्क को {head} चाहिए। एक बार `homa-desk db upgrade` चलाएँ, फिर डेस्क दोबारा शुरू करें।</translation>
    </message>
    <message>
        <source>Cannot reach the database at {host}. Check the network and the URL.</source>
        <translation>{host} पर डेटाबेस तक नहीं पहुँच पा रहे। नेटवर्क और URL जाँचें।</translation>
    </message>
    <message>
        <source>The clinic&apos;s host at {host} refused this desk: an admin may have removed it (Settings → Desks on the host), or its database is not running. To join again, run `homa-desk lan forget` here and join with a new code.</source>
        <translation>{host} पर क्लिनिक होस्ट ने इस डेस्क को मना कर दिया: शायद एडमिन ने इसे हटा दिया है (होस्ट पर सेटिंग्स → डेस्क), या उसका डेटाबेस नहीं चल रहा। फिर से जुड़ने के लिए यहाँ `homa-desk lan forget` चलाएँ और नए कोड से जुड़ें।</translation>
    </message>
    <message>
        <source>This slot was just taken. The grid has been refreshed.</source>
        <translation>यह स्लॉट अभी-अभी बुक हो गया। ग्रिड ताज़ा कर दी गई है।</translation>
    </message>
    <message>
        <source>“{name}” is not a Homa Desk backup. Choose a .dump file made by Homa Desk.</source>
        <translation>“{name}” Homa Desk का बैकअप नहीं है। Homa Desk से बनी .dump फ़ाइल चुनें।</translation>
    </message>
    <message>
        <source>{name} is missing from this installation; reinstall Homa Desk.</source>
        <translation>{name} इस इंस्टॉलेशन में नहीं है; Homa Desk दोबारा इंस्टॉल करें।</translation>
    </message>
    <message>
        <source>The restore failed: {reason}</source>
        <translation>रिस्टोर नहीं हुआ: {reason}</translation>
    </message>
    <message>
        <source>The computer at {host} shows a different certificate ({found}) than the clinic&apos;s host this desk joined ({expected}). This desk will not connect to it. If the host was really set up again, run `homa-desk lan forget` on this computer, then join again with a new code.</source>
        <translation>{host} पर कंप्यूटर एक अलग सर्टिफ़िकेट ({found}) दिखाता है, उस क्लिनिक होस्ट से अलग जिससे यह डेस्क जुड़ा था ({expected})। यह डेस्क उससे नहीं जुड़ेगा। अगर होस्ट सच में दोबारा सेट किया गया है, तो इस कंप्यूटर पर `homa-desk lan forget` चलाएँ, फिर नए कोड से जुड़ें।</translation>
    </message>
    <message>
        <source>This join code is wrong, expired or already used. Ask the admin on the host for a new code (Settings → Desks).</source>
        <translation>यह जॉइन कोड ग़लत है, उसकी समय-सीमा ख़त्म हो गई है या वह इस्तेमाल हो चुका है। होस्ट पर एडमिन से नया कोड माँगें (सेटिंग्स → डेस्क)।</translation>
    </message>
    <message>
        <source>Cannot reach the clinic&apos;s host at {host}. Is its desk open, on this network?</source>
        <translation>{host} पर क्लिनिक होस्ट से संपर्क नहीं हो पा रहा। क्या उसका डेस्क खुला है, इसी नेटवर्क पर?</translation>
    </message>
    <message>
        <source>The computer at {host} is not a clinic host (it does not offer TLS).</source>
        <translation>{host} पर कंप्यूटर क्लिनिक होस्ट नहीं है (वह TLS नहीं देता)।</translation>
    </message>
    <message>
        <source>The computer at {host} changed its certificate while joining: it is not joined. Check the address and try again.</source>
        <translation>जुड़ते समय {host} पर कंप्यूटर का सर्टिफ़िकेट बदल गया: जुड़ाव नहीं हुआ। पता जाँचें और फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>No such patient.</source>
        <translation>ऐसा कोई मरीज़ नहीं है।</translation>
    </message>
    <message>
        <source>Another record already uses this e-mail.</source>
        <translation>यह ई-मेल पहले से किसी दूसरे रिकॉर्ड में है।</translation>
    </message>
    <message>
        <source>Patient no. {holder} already has this old file number.</source>
        <translation>मरीज़ नं. {holder} के पास पहले से यह पुराना फ़ाइल नंबर है।</translation>
    </message>
    <message>
        <source>More than {count:,} patients match: type more of the name, or the patient number, to see totals.</source>
        <translation>{count:,} से ज़्यादा मरीज़ मिलते हैं: कुल देखने के लिए नाम का और हिस्सा या मरीज़ नंबर लिखें।</translation>
    </message>
    <message>
        <source>The clinic must keep at least one active admin.</source>
        <translation>क्लिनिक में कम से कम एक सक्रिय एडमिन रहना चाहिए।</translation>
    </message>
    <message>
        <source>This role may not create roles. Create the desks&apos; role with SQL as one that may (CREATE ROLE {role} LOGIN PASSWORD &apos;…&apos;), then run `homa-desk db upgrade` again.</source>
        <translation>यह रोल नए रोल नहीं बना सकता। डेस्क का रोल SQL से ऐसे रोल से बनाएँ जो बना सके (CREATE ROLE {role} LOGIN PASSWORD &apos;…&apos;), फिर `homa-desk db upgrade` दोबारा चलाएँ।</translation>
    </message>
    <message>
        <source>Another desk changed this record at the same moment. Refresh and try again.</source>
        <translation>इसी समय किसी दूसरी डेस्क ने यह रिकॉर्ड बदल दिया। ताज़ा करके फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>Enter the database URL, for example postgresql://user@host/db?sslmode=require.</source>
        <translation>डेटाबेस URL दर्ज करें, जैसे postgresql://user@host/db?sslmode=require।</translation>
    </message>
    <message>
        <source>Homa Desk works with PostgreSQL only: the URL starts with postgresql://.</source>
        <translation>Homa Desk सिर्फ़ PostgreSQL के साथ चलता है: URL postgresql:// से शुरू होता है।</translation>
    </message>
    <message>
        <source>The URL needs the database name after the host (…/dbname).</source>
        <translation>URL में होस्ट के बाद डेटाबेस का नाम चाहिए (…/dbname)।</translation>
    </message>
    <message>
        <source>This is not a database URL (postgresql://user:password@host/dbname).</source>
        <translation>यह डेटाबेस URL नहीं है (postgresql://user:password@host/dbname)।</translation>
    </message>
    <message>
        <source>A database on another machine must use TLS: add ?sslmode=require (or verify-full).</source>
        <translation>दूसरी मशीन के डेटाबेस को TLS चाहिए: ?sslmode=require (या verify-full) जोड़ें।</translation>
    </message>
    <message>
        <source>Your account was disabled by an admin.</source>
        <translation>आपका अकाउंट एडमिन ने बंद कर दिया है।</translation>
    </message>
    <message>
        <source>Your password was changed: sign in again.</source>
        <translation>आपका पासवर्ड बदल दिया गया है: दोबारा साइन इन करें।</translation>
    </message>
    <message>
        <source>Your role changed: sign in again.</source>
        <translation>आपका रोल बदल गया है: दोबारा साइन इन करें।</translation>
    </message>
    <message>
        <source>A {status} appointment cannot be marked {new}: only a scheduled appointment can be completed, cancelled or marked no-show.</source>
        <translation>{status} अपॉइंटमेंट को {new} नहीं किया जा सकता: सिर्फ़ तय (scheduled) अपॉइंटमेंट ही पूरा, रद्द या नो-शो किया जा सकता है।</translation>
    </message>
    <message>
        <source>An online consultation needs a meeting link.</source>
        <translation>ऑनलाइन परामर्श के लिए मीटिंग लिंक चाहिए।</translation>
    </message>
    <message>
        <source>Enter the meeting link as a web address, e.g. https://meet.example.com/abc.</source>
        <translation>मीटिंग लिंक वेब पते की तरह दर्ज करें, जैसे https://meet.example.com/abc।</translation>
    </message>
    <message>
        <source>Enter why the appointment is cancelled.</source>
        <translation>अपॉइंटमेंट रद्द करने का कारण लिखें।</translation>
    </message>
    <message>
        <source>The time of the appointment has no timezone.</source>
        <translation>अपॉइंटमेंट के समय में टाइमज़ोन नहीं है।</translation>
    </message>
    <message>
        <source>{doctor} is on leave on {day:%d %b %Y}{why}.</source>
        <translation>{doctor} {day:%d %b %Y} को छुट्टी पर हैं{why}।</translation>
    </message>
    <message>
        <source>{time:%d %b %Y, %I:%M %p} is not one of {doctor}&apos;s slots (outside working hours).</source>
        <translation>{time:%d %b %Y, %I:%M %p} {doctor} का स्लॉट नहीं है (काम के घंटों से बाहर)।</translation>
    </message>
    <message>
        <source>That time is already over; choose a later slot.</source>
        <translation>यह समय निकल चुका है; बाद का स्लॉट चुनें।</translation>
    </message>
    <message>
        <source>This appointment is already {status}.</source>
        <translation>यह अपॉइंटमेंट पहले से {status} है।</translation>
    </message>
    <message>
        <source>Choose online or at the clinic.</source>
        <translation>ऑनलाइन या क्लिनिक में, एक चुनें।</translation>
    </message>
    <message>
        <source>Type the patient number in digits.</source>
        <translation>मरीज़ संख्या अंकों में लिखें।</translation>
    </message>
    <message>
        <source>Choose a kind of action from the list.</source>
        <translation>सूची से कार्य का प्रकार चुनें।</translation>
    </message>
    <message>
        <source>Describe the line.</source>
        <translation>लाइन का विवरण लिखें।</translation>
    </message>
    <message>
        <source>At most {limit} characters.</source>
        <translation>अधिकतम {limit} अक्षर।</translation>
    </message>
    <message>
        <source>This would pay the bill beyond its total (another desk took money for it at the same moment). Refresh it.</source>
        <translation>इससे बिल अपनी कुल राशि से ज़्यादा चुक जाएगा (इसी समय दूसरी डेस्क ने इसका पैसा लिया)। बिल ताज़ा करें।</translation>
    </message>
    <message>
        <source>This advance was used or refunded at another desk at the same moment: less is left than that. Refresh it.</source>
        <translation>इसी समय दूसरी डेस्क पर यह अग्रिम लगाया या वापस किया गया: इतना नहीं बचा है। ताज़ा करें।</translation>
    </message>
    <message>
        <source>An advance can only be used on a bill of the same patient.</source>
        <translation>अग्रिम केवल उसी मरीज़ के बिल में लगाया जा सकता है।</translation>
    </message>
    <message>
        <source>Quantities are never floating point.</source>
        <translation>मात्रा कभी दशमलव फ़्लोट में नहीं होती।</translation>
    </message>
    <message>
        <source>The quantity must be more than zero.</source>
        <translation>मात्रा शून्य से ज़्यादा होनी चाहिए।</translation>
    </message>
    <message>
        <source>Enter a quantity such as 1 or 2.5.</source>
        <translation>मात्रा लिखें, जैसे 1 या 2.5।</translation>
    </message>
    <message>
        <source>This reference is already recorded on {where}: one UTR settles one payment.</source>
        <translation>यह रेफ़रेंस पहले से {where} पर दर्ज है: एक UTR से एक ही भुगतान होता है।</translation>
    </message>
    <message>
        <source>Enter the date as DD-MM-YYYY, for example 15-08-1985.</source>
        <translation>तारीख DD-MM-YYYY में लिखें, जैसे 15-08-1985।</translation>
    </message>
    <message>
        <source>Less than the amount: {more} more is needed.</source>
        <translation>राशि से कम: {more} और चाहिए।</translation>
    </message>
    <message>
        <source>The bill comes to {total}; a bill can be at most {limit}. Split it into two bills.</source>
        <translation>बिल {total} का बनता है; एक बिल अधिकतम {limit} का हो सकता है। इसे दो बिलों में बाँटें।</translation>
    </message>
    <message>
        <source>Choose what the line is for.</source>
        <translation>चुनें कि यह लाइन किस चीज़ की है।</translation>
    </message>
    <message>
        <source>Add at least one line to the bill.</source>
        <translation>बिल में कम से कम एक लाइन जोड़ें।</translation>
    </message>
    <message>
        <source>A bill has at most {limit} lines.</source>
        <translation>एक बिल में अधिकतम {limit} लाइनें होती हैं।</translation>
    </message>
    <message>
        <source>The discount is more than the line.</source>
        <translation>छूट लाइन की राशि से ज़्यादा है।</translation>
    </message>
    <message>
        <source>Quantity × rate comes to {total}; a line can be at most {limit}.</source>
        <translation>मात्रा × दर {total} बनता है; एक लाइन अधिकतम {limit} की हो सकती है।</translation>
    </message>
    <message>
        <source>A GSTIN has 15 characters, like 27AAPFU0939F1ZV.</source>
        <translation>GSTIN में 15 अक्षर होते हैं, जैसे 27AAPFU0939F1ZV।</translation>
    </message>
    <message>
        <source>A GSTIN starts with a state code (01 to 38, or 97): {code} is none.</source>
        <translation>GSTIN राज्य कोड (01 से 38, या 97) से शुरू होता है: {code} कोई राज्य कोड नहीं है।</translation>
    </message>
    <message>
        <source>This GSTIN&apos;s last character does not match: check for a typing mistake.</source>
        <translation>इस GSTIN का आख़िरी अक्षर मेल नहीं खाता: टाइपिंग की गलती जाँचें।</translation>
    </message>
    <message>
        <source>The {what} must be between {low:g} and {high:g}.</source>
        <translation>{what} {low:g} और {high:g} के बीच होना चाहिए।</translation>
    </message>
    <message>
        <source>A Twilio Account SID starts with AC and has 34 characters.</source>
        <translation>Twilio Account SID AC से शुरू होता है और उसमें 34 अक्षर होते हैं।</translation>
    </message>
    <message>
        <source>Enter the chat id (digits, e.g. -1001234567890) or @channelname.</source>
        <translation>चैट id (अंक, जैसे -1001234567890) या @channelname दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the mail server&apos;s host name, like smtp.gmail.com.</source>
        <translation>मेल सर्वर का होस्ट नाम दर्ज करें, जैसे smtp.gmail.com।</translation>
    </message>
    <message>
        <source>Enter the {what} as a number.</source>
        <translation>{what} संख्या में दर्ज करें।</translation>
    </message>
    <message>
        <source>This draft is too long to keep.</source>
        <translation>यह ड्राफ़्ट रखने के लिए बहुत लंबा है।</translation>
    </message>
    <message>
        <source>{label}: enter a number.</source>
        <translation>{label}: संख्या दर्ज करें।</translation>
    </message>
    <message>
        <source>{label} must be between {low} and {high}.</source>
        <translation>{label} {low} और {high} के बीच होना चाहिए।</translation>
    </message>
    <message>
        <source>{label}: at most {places} decimal places.</source>
        <translation>{label}: दशमलव के बाद अधिकतम {places} अंक।</translation>
    </message>
    <message>
        <source>{label}: at most {places} decimal place.</source>
        <translation>{label}: दशमलव के बाद अधिकतम {places} अंक।</translation>
    </message>
    <message>
        <source>Temperature: at most 1 decimal place.</source>
        <translation>तापमान: दशमलव के बाद अधिकतम 1 अंक।</translation>
    </message>
    <message>
        <source>Temperature: enter 30–45 °C or 86–113 °F.</source>
        <translation>तापमान: 30–45 °C या 86–113 °F दर्ज करें।</translation>
    </message>
    <message>
        <source>{label}: enter a whole number.</source>
        <translation>{label}: पूरी संख्या दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter both BP numbers (systolic and diastolic).</source>
        <translation>BP के दोनों अंक दर्ज करें (सिस्टोलिक और डायस्टोलिक)।</translation>
    </message>
    <message>
        <source>A prescription line is incomplete: {problem}</source>
        <translation>पर्चे की एक लाइन अधूरी है: {problem}</translation>
    </message>
    <message>
        <source>The follow-up must be after today.</source>
        <translation>फ़ॉलो-अप आज के बाद का होना चाहिए।</translation>
    </message>
    <message>
        <source>Diastolic BP must be lower than systolic.</source>
        <translation>डायस्टोलिक BP सिस्टोलिक से कम होना चाहिए।</translation>
    </message>
    <message>
        <source>The follow-up must be within a year.</source>
        <translation>फ़ॉलो-अप एक साल के अंदर होना चाहिए।</translation>
    </message>
    <message>
        <source>This is the number as a spreadsheet shortened it ({value}); its last digits are lost. Copy the ID from the DLT portal, or format the spreadsheet column as Text first.</source>
        <translation>यह नंबर स्प्रेडशीट ने छोटा कर दिया है ({value}); इसके आखिरी अंक खो गए हैं। ID DLT पोर्टल से कॉपी करें, या पहले स्प्रेडशीट के कॉलम को Text फ़ॉर्मैट में बदलें।</translation>
    </message>
    <message>
        <source>Enter the Principal Entity ID from the DLT portal (12 to 19 digits).</source>
        <translation>DLT पोर्टल से प्रिंसिपल एंटिटी ID डालें (12 से 19 अंक)।</translation>
    </message>
    <message>
        <source>Enter the 6-letter sender header registered on DLT (letters A–Z only).</source>
        <translation>DLT पर पंजीकृत 6 अक्षरों का सेंडर हेडर डालें (केवल A–Z अक्षर)।</translation>
    </message>
    <message>
        <source>Enter the content template ID from the DLT portal (12 to 19 digits).</source>
        <translation>DLT पोर्टल से कंटेंट टेम्पलेट ID डालें (12 से 19 अंक)।</translation>
    </message>
    <message>
        <source>Paste the template&apos;s text exactly as registered, with its {#var#}.</source>
        <translation>टेम्पलेट का पाठ ठीक वैसा ही चिपकाएँ जैसा पंजीकृत है, उसके {#var#} के साथ।</translation>
    </message>
    <message>
        <source>The text is too long (at most {limit} characters).</source>
        <translation>पाठ बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>This text has {signs}, which a plain-text SMS cannot carry: every SMS would go as Unicode (70 characters each) and not match the portal&apos;s text. Type them as plain &apos; &quot; - ... or a space, as the portal shows them.</source>
        <translation>इस पाठ में {signs} है, जिसे सादा-टेक्स्ट SMS नहीं ले जा सकता: हर SMS यूनिकोड में जाएगा (हर SMS में 70 अक्षर) और पोर्टल के पाठ से मेल नहीं खाएगा। इन्हें सादे &apos; &quot; - ... या खाली जगह के रूप में टाइप करें, जैसा पोर्टल दिखाता है।</translation>
    </message>
    <message>
        <source>This text has {count} {var}; this message fills {expected}, in this order: {names}.</source>
        <translation>इस पाठ में {count} {var} हैं; यह संदेश {expected} भरता है, इस क्रम में: {names}।</translation>
    </message>
    <message>
        <source>the template has {count} variables but the message fills {filled}</source>
        <translation>टेम्पलेट में {count} वेरिएबल हैं पर संदेश {filled} भरता है</translation>
    </message>
    <message>
        <source>variable {number} has a line break the registered template does not have</source>
        <translation>वेरिएबल {number} में नई पंक्ति है जो पंजीकृत टेम्पलेट में नहीं है</translation>
    </message>
    <message>
        <source>variable {number} is {length} characters; DLT allows at most {limit}</source>
        <translation>वेरिएबल {number} में {length} अक्षर हैं; DLT अधिकतम {limit} की अनुमति देता है</translation>
    </message>
    <message>
        <source>variable {number} has characters a plain-text (English) template cannot carry; register the template in Unicode or correct the value</source>
        <translation>वेरिएबल {number} में ऐसे अक्षर हैं जो सादा (अंग्रेज़ी) टेम्पलेट नहीं ले सकता; टेम्पलेट यूनिकोड में पंजीकृत करें या मान सुधारें</translation>
    </message>
    <message>
        <source>The {label} is too long (at most {limit} characters).</source>
        <translation>{label} बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>The {label} contains a character that cannot be stored.</source>
        <translation>{label} में ऐसा अक्षर है जो सहेजा नहीं जा सकता।</translation>
    </message>
    <message>
        <source>Enter the slot length in whole minutes ({low}–{high}).</source>
        <translation>स्लॉट की अवधि पूरे मिनटों में दर्ज करें ({low}–{high})।</translation>
    </message>
    <message>
        <source>A slot is {low} to {high} minutes long.</source>
        <translation>एक स्लॉट {low} से {high} मिनट का होता है।</translation>
    </message>
    <message>
        <source>Enter the time as HH:MM, for example 09:30 or 17:00.</source>
        <translation>समय HH:MM में दर्ज करें, जैसे 09:30 या 17:00।</translation>
    </message>
    <message>
        <source>There is no such time of day.</source>
        <translation>दिन में ऐसा कोई समय नहीं होता।</translation>
    </message>
    <message>
        <source>Choose the day of leave.</source>
        <translation>छुट्टी का दिन चुनें।</translation>
    </message>
    <message>
        <source>Enter the {label}.</source>
        <translation>{label} दर्ज करें।</translation>
    </message>
    <message>
        <source>A registration number has letters, digits, spaces, / . and - only.</source>
        <translation>रजिस्ट्रेशन नंबर में सिर्फ़ अक्षर, अंक, स्पेस, / . और - होते हैं।</translation>
    </message>
    <message>
        <source>With AM/PM the hour is 1 to 12.</source>
        <translation>AM/PM के साथ घंटा 1 से 12 होता है।</translation>
    </message>
    <message>
        <source>Choose a weekday for every session.</source>
        <translation>हर सेशन के लिए हफ़्ते का दिन चुनें।</translation>
    </message>
    <message>
        <source>{day}: a session must start before it ends ({starts:%H:%M}–{ends:%H:%M}).</source>
        <translation>{day}: सेशन खत्म होने से पहले शुरू होना चाहिए ({starts:%H:%M}–{ends:%H:%M})।</translation>
    </message>
    <message>
        <source>{day}: {starts:%H:%M}–{ends:%H:%M} overlaps {other_starts:%H:%M}–{other_ends:%H:%M}.</source>
        <translation>{day}: {starts:%H:%M}–{ends:%H:%M} का समय {other_starts:%H:%M}–{other_ends:%H:%M} से टकराता है।</translation>
    </message>
    <message>
        <source>The database cannot be reached. Check the connection and try again.</source>
        <translation>डेटाबेस तक नहीं पहुँच पा रहे। कनेक्शन जाँचें और फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>Wrong e-mail or password. After {tries} wrong tries sign-in waits {minutes} minutes; a disabled account cannot sign in (ask the clinic&apos;s admin).</source>
        <translation>ई-मेल या पासवर्ड गलत है। {tries} बार गलत होने पर साइन-इन {minutes} मिनट रुकता है; बंद किया गया अकाउंट साइन इन नहीं कर सकता (क्लिनिक के एडमिन से पूछें)।</translation>
    </message>
    <message>
        <source>Choose a GST rate: 0, 5, 12, 18 or 28 %.</source>
        <translation>GST दर चुनें: 0, 5, 12, 18 या 28 %।</translation>
    </message>
    <message>
        <source>Choose the state of supply.</source>
        <translation>आपूर्ति का राज्य चुनें।</translation>
    </message>
    <message>
        <source>Enter the refund&apos;s reference: the gateway refund id or the bank transfer&apos;s reference.</source>
        <translation>रिफ़ंड का रेफ़रेंस दर्ज करें: गेटवे की रिफ़ंड आईडी या बैंक ट्रांसफ़र का रेफ़रेंस।</translation>
    </message>
    <message>
        <source>Say why the money is refunded.</source>
        <translation>बताएँ कि पैसा क्यों लौटाया जा रहा है।</translation>
    </message>
    <message>
        <source>Choose at least one channel.</source>
        <translation>कम से कम एक माध्यम चुनें।</translation>
    </message>
    <message>
        <source>WhatsApp needs the patient&apos;s consent first.</source>
        <translation>WhatsApp के लिए पहले मरीज़ की सहमति ज़रूरी है।</translation>
    </message>
    <message>
        <source>The patient opted out of this channel.</source>
        <translation>मरीज़ ने इस माध्यम से संदेश लेना बंद किया है।</translation>
    </message>
    <message>
        <source>Patients&apos; messages go by WhatsApp, SMS or e-mail.</source>
        <translation>मरीज़ों के संदेश WhatsApp, SMS या ई-मेल से जाते हैं।</translation>
    </message>
    <message>
        <source>Unknown channel: {name}</source>
        <translation>अज्ञात माध्यम: {name}</translation>
    </message>
    <message>
        <source>Enter a mobile number such as +919876543210.</source>
        <translation>मोबाइल नंबर दर्ज करें, जैसे +919876543210।</translation>
    </message>
    <message>
        <source>Choose A4, A5 or a receipt roll.</source>
        <translation>A4, A5 या रसीद रोल चुनें।</translation>
    </message>
    <message>
        <source>Enter the age as whole years.</source>
        <translation>उम्र पूरे सालों में दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the age in years.</source>
        <translation>उम्र सालों में दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the age as whole years, 0 to {limit}.</source>
        <translation>उम्र पूरे सालों में दर्ज करें, 0 से {limit}।</translation>
    </message>
    <message>
        <source>{label} is too long (at most {limit} characters).</source>
        <translation>{label} बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>The old file number is too long (at most {limit} characters).</source>
        <translation>पुराना फ़ाइल नंबर बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>The old file number contains a character that cannot be stored.</source>
        <translation>पुराने फ़ाइल नंबर में ऐसा अक्षर है जिसे सहेजा नहीं जा सकता।</translation>
    </message>
    <message>
        <source>Choose male, female or other.</source>
        <translation>पुरुष, महिला या अन्य चुनें।</translation>
    </message>
    <message>
        <source>{label} contains a character that cannot be stored.</source>
        <translation>{label} में ऐसा अक्षर है जो सहेजा नहीं जा सकता।</translation>
    </message>
    <message>
        <source>Choose English or Hindi.</source>
        <translation>अंग्रेज़ी या हिन्दी चुनें।</translation>
    </message>
    <message>
        <source>There is no such date.</source>
        <translation>ऐसी कोई तारीख नहीं होती।</translation>
    </message>
    <message>
        <source>Enter the date of birth, or the age in years if it is unknown.</source>
        <translation>जन्म तिथि दर्ज करें, या पता न हो तो उम्र सालों में।</translation>
    </message>
    <message>
        <source>The payment gateway cannot be reached; the desk keeps trying.</source>
        <translation>पेमेंट गेटवे तक नहीं पहुँच पा रहे; डेस्क कोशिश करती रहेगी।</translation>
    </message>
    <message>
        <source>The payment gateway asked the desk to slow down.</source>
        <translation>पेमेंट गेटवे ने डेस्क को धीमे चलने को कहा है।</translation>
    </message>
    <message>
        <source>The payment gateway sent an answer the desk cannot read.</source>
        <translation>पेमेंट गेटवे का जवाब डेस्क पढ़ नहीं पा रही।</translation>
    </message>
    <message>
        <source>This payment gateway cannot do that.</source>
        <translation>यह पेमेंट गेटवे ऐसा नहीं कर सकता।</translation>
    </message>
    <message>
        <source>Static UPI has no payment gateway that sees the money: check the UPI payments against the clinic&apos;s bank statement.</source>
        <translation>स्टैटिक UPI में ऐसा कोई पेमेंट गेटवे नहीं जो पैसा देख सके: UPI भुगतान क्लिनिक के बैंक स्टेटमेंट से मिलाएँ।</translation>
    </message>
    <message>
        <source>Enter the dose pattern, e.g. 1-0-1.</source>
        <translation>खुराक का पैटर्न दर्ज करें, जैसे 1-0-1।</translation>
    </message>
    <message>
        <source>Write the dose as numbers or ½ separated by -, e.g. 1-0-1 or ½-0-½, or SOS.</source>
        <translation>खुराक अंकों या ½ में - से अलग करके लिखें, जैसे 1-0-1 या ½-0-½, या SOS।</translation>
    </message>
    <message>
        <source>A dose pattern of only zeros gives nothing.</source>
        <translation>सिर्फ़ शून्य वाले पैटर्न से कोई खुराक नहीं बनती।</translation>
    </message>
    <message>
        <source>Enter for how long, e.g. 5 days or 2 weeks.</source>
        <translation>कितने दिन, दर्ज करें, जैसे 5 days या 2 weeks।</translation>
    </message>
    <message>
        <source>Write the duration as a number of days, weeks or months, e.g. 5 days.</source>
        <translation>अवधि दिनों, हफ़्तों या महीनों में लिखें, जैसे 5 days।</translation>
    </message>
    <message>
        <source>At most {limit} medicines on one prescription.</source>
        <translation>एक पर्चे पर अधिकतम {limit} दवाइयाँ।</translation>
    </message>
    <message>
        <source>The file is too large (at most {limit} MB).</source>
        <translation>फ़ाइल बहुत बड़ी है (अधिकतम {limit} MB)।</translation>
    </message>
    <message>
        <source>This is not a CSV file.</source>
        <translation>यह CSV फ़ाइल नहीं है।</translation>
    </message>
    <message>
        <source>The file is empty.</source>
        <translation>फ़ाइल खाली है।</translation>
    </message>
    <message>
        <source>The first row must name the columns: {columns}.</source>
        <translation>पहली पंक्ति में कॉलमों के नाम होने चाहिए: {columns}।</translation>
    </message>
    <message>
        <source>Unknown or repeated column: {name}.</source>
        <translation>अनजान या दोहराया गया कॉलम: {name}।</translation>
    </message>
    <message>
        <source>The file has no rows below its header.</source>
        <translation>फ़ाइल में शीर्ष पंक्ति के नीचे कोई पंक्ति नहीं है।</translation>
    </message>
    <message>
        <source>At most {limit} rows in one file.</source>
        <translation>एक फ़ाइल में अधिकतम {limit} पंक्तियाँ।</translation>
    </message>
    <message>
        <source>Row {row} has more cells than the header.</source>
        <translation>पंक्ति {row} में शीर्ष पंक्ति से अधिक खाने हैं।</translation>
    </message>
    <message>
        <source>The code {code} is also on row {first}.</source>
        <translation>कोड {code} पंक्ति {first} में भी है।</translation>
    </message>
    <message>
        <source>Save the file as CSV UTF-8 and try again.</source>
        <translation>फ़ाइल को CSV UTF-8 के रूप में सहेजें और फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>Write yes or no.</source>
        <translation>yes या no लिखें।</translation>
    </message>
    <message>
        <source>Enter a short code, like CBC or XRAY-CH.</source>
        <translation>छोटा कोड लिखें, जैसे CBC या XRAY-CH।</translation>
    </message>
    <message>
        <source>A code has at most {limit} letters, digits, and . _ / - (no spaces).</source>
        <translation>कोड में अधिकतम {limit} अक्षर, अंक और . _ / - होते हैं (खाली जगह नहीं)।</translation>
    </message>
    <message>
        <source>Enter the name the bill shows.</source>
        <translation>बिल पर दिखने वाला नाम लिखें।</translation>
    </message>
    <message>
        <source>A SAC or HSN code has 4, 6 or 8 digits, like 9993 or 3004.</source>
        <translation>SAC या HSN कोड में 4, 6 या 8 अंक होते हैं, जैसे 9993 या 3004।</translation>
    </message>
    <message>
        <source>Cannot start with = + - or @ (a spreadsheet would run it as a formula).</source>
        <translation>= + - या @ से शुरू नहीं हो सकता (स्प्रेडशीट इसे फ़ॉर्मूला मानकर चलाएगी)।</translation>
    </message>
    <message>
        <source>Choose service, procedure, lab test or medicine.</source>
        <translation>सेवा, प्रक्रिया, लैब जाँच या दवा चुनें।</translation>
    </message>
    <message>
        <source>The drawer holds {amount} {side} than the desk recorded: say why.</source>
        <translation>दराज़ में डेस्क के रिकॉर्ड से {amount} {side} है: कारण बताएँ।</translation>
    </message>
    <message>
        <source>Keep the reason under {limit} characters.</source>
        <translation>कारण {limit} अक्षरों से कम रखें।</translation>
    </message>
    <message>
        <source>The end date is before the start date.</source>
        <translation>आख़िरी तारीख शुरू की तारीख से पहले है।</translation>
    </message>
    <message>
        <source>Choose at most ten years.</source>
        <translation>अधिकतम दस साल चुनें।</translation>
    </message>
    <message>
        <source>Choose one of the listed values.</source>
        <translation>सूची में से एक चुनें।</translation>
    </message>
    <message>
        <source>Only {allowed} staff may do this; you are signed in as {role}.</source>
        <translation>यह सिर्फ़ {allowed} स्टाफ़ कर सकते हैं; आप {role} के रूप में साइन इन हैं।</translation>
    </message>
    <message>
        <source>A UPI reference has 1 to {limit} letters and digits only.</source>
        <translation>UPI रेफ़रेंस में 1 से {limit} तक सिर्फ़ अक्षर और अंक होते हैं।</translation>
    </message>
    <message>
        <source>This UPI field cannot be empty.</source>
        <translation>UPI का यह फ़ील्ड खाली नहीं हो सकता।</translation>
    </message>
    <message>
        <source>Not a UPI payment link.</source>
        <translation>यह UPI पेमेंट लिंक नहीं है।</translation>
    </message>
    <message>
        <source>The UPI link has no payee or no amount.</source>
        <translation>UPI लिंक में पाने वाला या राशि नहीं है।</translation>
    </message>
    <message>
        <source>Only payments in rupees (INR) are accepted.</source>
        <translation>सिर्फ़ रुपये (INR) में भुगतान लिए जाते हैं।</translation>
    </message>
    <message>
        <source>Enter the full name.</source>
        <translation>पूरा नाम दर्ज करें।</translation>
    </message>
    <message>
        <source>The name is too long (at most {limit} characters).</source>
        <translation>नाम बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>A name has letters, spaces, dots, apostrophes and hyphens only.</source>
        <translation>नाम में सिर्फ़ अक्षर, स्पेस, बिंदु, एपॉस्ट्रॉफ़ी और हाइफ़न होते हैं।</translation>
    </message>
    <message>
        <source>Enter the mobile number.</source>
        <translation>मोबाइल नंबर दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.</source>
        <translation>6, 7, 8 या 9 से शुरू होने वाला 10 अंकों का भारतीय मोबाइल नंबर दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the e-mail address.</source>
        <translation>ई-मेल पता दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter an e-mail address like name@example.com.</source>
        <translation>ई-मेल पता name@example.com जैसा दर्ज करें।</translation>
    </message>
    <message>
        <source>The part before @ is too long.</source>
        <translation>@ से पहले का हिस्सा बहुत लंबा है।</translation>
    </message>
    <message>
        <source>Enter the UPI ID (for example clinic@okaxis).</source>
        <translation>UPI ID दर्ज करें (जैसे clinic@okaxis)।</translation>
    </message>
    <message>
        <source>A UPI ID looks like name@bank, for example clinic@okaxis.</source>
        <translation>UPI ID name@bank जैसी होती है, जैसे clinic@okaxis।</translation>
    </message>
    <message>
        <source>Amounts are entered as text or Decimal, never as floating point.</source>
        <translation>राशि टेक्स्ट या Decimal में दी जाती है, कभी फ़्लोट में नहीं।</translation>
    </message>
    <message>
        <source>Enter the amount.</source>
        <translation>राशि दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the amount in rupees, for example 500 or 499.50.</source>
        <translation>राशि रुपयों में दर्ज करें, जैसे 500 या 499.50।</translation>
    </message>
    <message>
        <source>An amount has at most two decimals (paise).</source>
        <translation>राशि में दशमलव के बाद अधिकतम दो अंक (पैसे) होते हैं।</translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation>राशि शून्य से ज़्यादा होनी चाहिए।</translation>
    </message>
    <message>
        <source>The amount is too large.</source>
        <translation>राशि बहुत बड़ी है।</translation>
    </message>
    <message>
        <source>Enter the UPI reference (UTR): 6 to 35 letters and digits from the bank app.</source>
        <translation>UPI रेफ़रेंस (UTR) दर्ज करें: बैंक ऐप में दिखे 6 से 35 अक्षर और अंक।</translation>
    </message>
    <message>
        <source>Enter the date.</source>
        <translation>तारीख दर्ज करें।</translation>
    </message>
    <message>
        <source>The date cannot be in the future.</source>
        <translation>तारीख भविष्य की नहीं हो सकती।</translation>
    </message>
    <message>
        <source>The date is too far in the past.</source>
        <translation>तारीख बहुत पुरानी है।</translation>
    </message>
    <message>
        <source>The password needs at least {limit} characters.</source>
        <translation>पासवर्ड में कम से कम {limit} अक्षर चाहिए।</translation>
    </message>
    <message>
        <source>The password is too long (at most 72 bytes).</source>
        <translation>पासवर्ड बहुत लंबा है (अधिकतम 72 बाइट)।</translation>
    </message>
    <message>
        <source>This password is too common; choose one that is harder to guess.</source>
        <translation>यह पासवर्ड बहुत आम है; ऐसा चुनें जिसका अंदाज़ा लगाना मुश्किल हो।</translation>
    </message>
    <message>
        <source>{what} contains a character that cannot be stored.</source>
        <translation>{what} में ऐसा अक्षर है जो सहेजा नहीं जा सकता।</translation>
    </message>
    <message>
        <source>The password must not contain your name or e-mail.</source>
        <translation>पासवर्ड में आपका नाम या ई-मेल नहीं होना चाहिए।</translation>
    </message>
    <message>
        <source>Choose English, Hindi or both.</source>
        <translation>अंग्रेज़ी, हिन्दी या दोनों चुनें।</translation>
    </message>
    <message>
        <source>Unknown payment gateway {gateway!r}.</source>
        <translation>अनजान पेमेंट गेटवे {gateway!r}।</translation>
    </message>
    <message>
        <source>Razorpay needs its key id and key secret (Settings → Payments).</source>
        <translation>Razorpay के लिए key id और key secret चाहिए (सेटिंग्स → भुगतान)।</translation>
    </message>
    <message>
        <source>Static UPI needs the clinic&apos;s UPI ID and payee name (Settings).</source>
        <translation>स्टैटिक UPI के लिए क्लिनिक की UPI ID और पाने वाले का नाम चाहिए (सेटिंग्स)।</translation>
    </message>
    <message>
        <source>The payment gateway listed more payments than the desk can check.</source>
        <translation>पेमेंट गेटवे ने इतने भुगतान भेजे कि डेस्क सब जाँच नहीं सकती।</translation>
    </message>
    <message>
        <source>Enter the Razorpay key id and secret under Settings.</source>
        <translation>सेटिंग्स में Razorpay की key id और secret दर्ज करें।</translation>
    </message>
    <message>
        <source>Razorpay takes UPI payments of ₹1 or more; take this amount in cash.</source>
        <translation>Razorpay ₹1 या उससे ज़्यादा के UPI भुगतान लेता है; यह राशि नकद लें।</translation>
    </message>
    <message>
        <source>The payment gateway gave no QR image.</source>
        <translation>पेमेंट गेटवे ने QR इमेज नहीं दी।</translation>
    </message>
    <message>
        <source>The payment gateway&apos;s QR image is not an image.</source>
        <translation>पेमेंट गेटवे की QR इमेज असली इमेज नहीं है।</translation>
    </message>
    <message>
        <source>This QR code no longer accepts payments.</source>
        <translation>यह QR कोड अब भुगतान नहीं लेता।</translation>
    </message>
    <message>
        <source>No such QR code.</source>
        <translation>ऐसा कोई QR कोड नहीं है।</translation>
    </message>
    <message>
        <source>Give the host&apos;s address and the join code: homa-desk lan join ADDRESS CODE</source>
        <translation>होस्ट का पता और जॉइन कोड दें: homa-desk lan join ADDRESS CODE</translation>
    </message>
    <message>
        <source>No such desk: give its number from `homa-desk lan desks`.</source>
        <translation>ऐसा कोई डेस्क नहीं: `homa-desk lan desks` से उसका नंबर दें।</translation>
    </message>
    <message>
        <source>No system keyring is available to keep passwords and keys. Accept the file-backed keyring (Settings) or install a keyring service such as GNOME Keyring or KWallet.</source>
        <translation>पासवर्ड और चाबियाँ रखने के लिए कोई सिस्टम कीरिंग नहीं है। फ़ाइल कीरिंग स्वीकार करें (सेटिंग्स) या GNOME Keyring या KWallet जैसी कीरिंग सेवा इंस्टॉल करें।</translation>
    </message>
    <message>
        <source>No such advance.</source>
        <translation>ऐसा कोई अग्रिम नहीं है।</translation>
    </message>
    <message>
        <source>Only {left} of the patient&apos;s advances is left.</source>
        <translation>मरीज़ के अग्रिम में केवल {left} बचा है।</translation>
    </message>
    <message>
        <source>Only {left} of this advance is left to refund.</source>
        <translation>इस अग्रिम में से केवल {left} वापस किया जा सकता है।</translation>
    </message>
    <message>
        <source>No such appointment.</source>
        <translation>ऐसा कोई अपॉइंटमेंट नहीं है।</translation>
    </message>
    <message>
        <source>No such doctor.</source>
        <translation>ऐसा कोई डॉक्टर नहीं है।</translation>
    </message>
    <message>
        <source>{doctor} no longer works at the clinic.</source>
        <translation>{doctor} अब क्लिनिक में काम नहीं करते।</translation>
    </message>
    <message>
        <source>A {status} appointment cannot be moved.</source>
        <translation>{status} अपॉइंटमेंट का समय बदला नहीं जा सकता।</translation>
    </message>
    <message>
        <source>A walk-in has no slot to move.</source>
        <translation>वॉक-इन का कोई स्लॉट नहीं होता जिसे बदला जाए।</translation>
    </message>
    <message>
        <source>The appointment is already at that time.</source>
        <translation>अपॉइंटमेंट पहले से उसी समय पर है।</translation>
    </message>
    <message>
        <source>A doctor may mark only their own appointments completed or no-show.</source>
        <translation>डॉक्टर सिर्फ़ अपने ही अपॉइंटमेंट पूरे या नो-शो कर सकते हैं।</translation>
    </message>
    <message>
        <source>{patient} has already seen the doctor (token {token}): mark the visit completed.</source>
        <translation>{patient} डॉक्टर को दिखा चुके हैं (टोकन {token}): विज़िट पूरी करें।</translation>
    </message>
    <message>
        <source>{patient} is with the doctor now (token {token}): mark the visit completed.</source>
        <translation>{patient} अभी डॉक्टर के पास हैं (टोकन {token}): विज़िट पूरी करें।</translation>
    </message>
    <message>
        <source>Enter your e-mail and password.</source>
        <translation>अपना ई-मेल और पासवर्ड दर्ज करें।</translation>
    </message>
    <message>
        <source>“{name}” was made by a newer version of Homa Desk (schema {revision}). Update this desk, then restore it.</source>
        <translation>“{name}” Homa Desk के नए संस्करण से बना है (स्कीमा {revision})। पहले यह डेस्क अपडेट करें, फिर रिस्टोर करें।</translation>
    </message>
    <message>
        <source>Restore works on the embedded database. A remote database (Neon) is restored from its provider&apos;s own backups.</source>
        <translation>रिस्टोर एम्बेडेड डेटाबेस पर चलता है। रिमोट डेटाबेस (Neon) उसके प्रोवाइडर के अपने बैकअप से रिस्टोर होता है।</translation>
    </message>
    <message>
        <source>Choose the folder for the backups.</source>
        <translation>बैकअप के लिए फ़ोल्डर चुनें।</translation>
    </message>
    <message>
        <source>Enter the time as HH:MM, for example 20:30.</source>
        <translation>समय HH:MM में दर्ज करें, जैसे 20:30।</translation>
    </message>
    <message>
        <source>Homa Desk cannot write to this folder; choose another.</source>
        <translation>Homa Desk इस फ़ोल्डर में नहीं लिख सकता; दूसरा चुनें।</translation>
    </message>
    <message>
        <source>Keep between 1 and 365 backups.</source>
        <translation>1 से 365 बैकअप रखें।</translation>
    </message>
    <message>
        <source>This visit is not one of this patient&apos;s.</source>
        <translation>यह विज़िट इस मरीज़ की नहीं है।</translation>
    </message>
    <message>
        <source>The bill&apos;s doctor must be an active doctor of the clinic.</source>
        <translation>बिल का डॉक्टर क्लिनिक का सक्रिय डॉक्टर होना चाहिए।</translation>
    </message>
    <message>
        <source>This visit already has a bill; open it instead.</source>
        <translation>इस विज़िट का बिल पहले से है; उसे खोलें।</translation>
    </message>
    <message>
        <source>No such bill.</source>
        <translation>ऐसा कोई बिल नहीं है।</translation>
    </message>
    <message>
        <source>The reference is too long (at most {limit} characters).</source>
        <translation>रेफ़रेंस बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>Say why the bill is cancelled.</source>
        <translation>बिल रद्द करने का कारण लिखें।</translation>
    </message>
    <message>
        <source>This bill is cancelled.</source>
        <translation>यह बिल रद्द है।</translation>
    </message>
    <message>
        <source>Money has been paid (or is held) on this bill, so its lines can no longer change.</source>
        <translation>इस बिल पर पैसा दिया जा चुका है (या रोका गया है), इसलिए इसकी लाइनें अब नहीं बदल सकतीं।</translation>
    </message>
    <message>
        <source>A UPI QR for this bill can still be paid: cancel it before changing the lines.</source>
        <translation>इस बिल का UPI QR अभी भी चुकाया जा सकता है: लाइनें बदलने से पहले उसे रद्द करें।</translation>
    </message>
    <message>
        <source>Choose how the patient paid.</source>
        <translation>चुनें कि मरीज़ ने कैसे भुगतान किया।</translation>
    </message>
    <message>
        <source>Enter the UPI reference (UTR) shown in the patient&apos;s app.</source>
        <translation>मरीज़ के ऐप में दिखा UPI रेफ़रेंस (UTR) दर्ज करें।</translation>
    </message>
    <message>
        <source>A UPI QR for this bill can still be paid. Cancel it on the UPI screen (or use Switch to cash) before taking another payment, so the patient cannot pay twice.</source>
        <translation>इस बिल का UPI QR अभी भी चुकाया जा सकता है। दूसरा भुगतान लेने से पहले उसे UPI स्क्रीन पर रद्द करें (या नकद पर जाएँ), ताकि मरीज़ दो बार न चुकाए।</translation>
    </message>
    <message>
        <source>Only ₹{due} is due on this bill.</source>
        <translation>इस बिल पर सिर्फ़ ₹{due} बाकी है।</translation>
    </message>
    <message>
        <source>No such payment.</source>
        <translation>ऐसा कोई भुगतान नहीं है।</translation>
    </message>
    <message>
        <source>At most ₹{refundable} of this payment can be refunded.</source>
        <translation>इस भुगतान में से अधिकतम ₹{refundable} लौटाए जा सकते हैं।</translation>
    </message>
    <message>
        <source>This bill is already cancelled.</source>
        <translation>यह बिल पहले से रद्द है।</translation>
    </message>
    <message>
        <source>Money has been paid on this bill, or a UPI payment is open: refund or cancel it first.</source>
        <translation>इस बिल पर पैसा दिया जा चुका है, या UPI भुगतान खुला है: पहले उसे लौटाएँ या रद्द करें।</translation>
    </message>
    <message>
        <source>Money is held for review on this bill: an admin resolves it (accept, refund or move it) before the bill can be cancelled.</source>
        <translation>इस बिल पर पैसा जाँच के लिए रोका गया है: बिल रद्द होने से पहले एडमिन उसे निपटाएँ (स्वीकार, वापस या दूसरे बिल पर)।</translation>
    </message>
    <message>
        <source>Enter the clinic&apos;s name.</source>
        <translation>क्लिनिक का नाम दर्ज करें।</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is too long (at most 120 characters).</source>
        <translation>क्लिनिक का नाम बहुत लंबा है (अधिकतम 120 अक्षर)।</translation>
    </message>
    <message>
        <source>This desk does not host the clinic: make join codes and remove desks on the host computer.</source>
        <translation>यह डेस्क क्लिनिक होस्ट नहीं करता: जॉइन कोड बनाना और डेस्क हटाना होस्ट कंप्यूटर पर करें।</translation>
    </message>
    <message>
        <source>Choose the clinic&apos;s host, or type its address (like 192.168.1.10).</source>
        <translation>क्लिनिक का होस्ट चुनें, या उसका पता लिखें (जैसे 192.168.1.10)।</translation>
    </message>
    <message>
        <source>The join code has 8 letters and digits, like ABCD-EFGH.</source>
        <translation>जॉइन कोड में 8 अक्षर और अंक होते हैं, जैसे ABCD-EFGH।</translation>
    </message>
    <message>
        <source>Only a clinic whose data is on this computer can host the clinic&apos;s other computers.</source>
        <translation>सिर्फ़ वही क्लिनिक दूसरे कंप्यूटरों को होस्ट कर सकता है जिसका डेटा इसी कंप्यूटर पर है।</translation>
    </message>
    <message>
        <source>That day has not come yet.</source>
        <translation>वह दिन अभी आया नहीं है।</translation>
    </message>
    <message>
        <source>The patient is allergic to what is prescribed: {names}. Confirm to prescribe anyway.</source>
        <translation>मरीज़ को लिखी गई दवा से एलर्जी है: {names}। फिर भी लिखनी हो तो पुष्टि करें।</translation>
    </message>
    <message>
        <source>The follow-up slot must be on the follow-up date.</source>
        <translation>फ़ॉलो-अप का स्लॉट फ़ॉलो-अप की तारीख पर ही होना चाहिए।</translation>
    </message>
    <message>
        <source>Only the treating doctor or an admin may see or change this consultation.</source>
        <translation>यह परामर्श सिर्फ़ इलाज करने वाले डॉक्टर या एडमिन देख या बदल सकते हैं।</translation>
    </message>
    <message>
        <source>Add at least one medicine before saving a template.</source>
        <translation>टेम्पलेट सहेजने से पहले कम से कम एक दवा जोड़ें।</translation>
    </message>
    <message>
        <source>No such visit of this patient.</source>
        <translation>इस मरीज़ की ऐसी कोई विज़िट नहीं है।</translation>
    </message>
    <message>
        <source>A {status} appointment has no consultation.</source>
        <translation>{status} अपॉइंटमेंट का कोई परामर्श नहीं होता।</translation>
    </message>
    <message>
        <source>No such favourite.</source>
        <translation>ऐसी कोई पसंदीदा दवा नहीं है।</translation>
    </message>
    <message>
        <source>No such template.</source>
        <translation>ऐसा कोई टेम्पलेट नहीं है।</translation>
    </message>
    <message>
        <source>This follow-up is no longer on the list.</source>
        <translation>यह फ़ॉलो-अप अब सूची में नहीं है।</translation>
    </message>
    <message>
        <source>That day is not a leave day.</source>
        <translation>वह दिन छुट्टी का दिन नहीं है।</translation>
    </message>
    <message>
        <source>This database already has a clinic and its admin; connect to it and sign in.</source>
        <translation>इस डेटाबेस में पहले से क्लिनिक और उसका एडमिन है; इससे जुड़ें और साइन इन करें।</translation>
    </message>
    <message>
        <source>This database is at schema revision {revision}; this desk needs {head}. Run `homa-desk db upgrade` once first.</source>
        <translation>यह डेटाबेस स्कीमा संशोधन {revision} पर है; इस डेस्क को {head} चाहिए। पहले एक बार `homa-desk db upgrade` चलाएँ।</translation>
    </message>
    <message>
        <source>The clinic already has an admin; sign in instead.</source>
        <translation>क्लिनिक का एडमिन पहले से है; साइन इन करें।</translation>
    </message>
    <message>
        <source>A Razorpay key id starts with rzp_live_ or rzp_test_.</source>
        <translation>Razorpay key id rzp_live_ या rzp_test_ से शुरू होती है।</translation>
    </message>
    <message>
        <source>This money is no longer held: another admin has just resolved it. Refresh to see what was done.</source>
        <translation>यह पैसा अब रोका हुआ नहीं है: किसी दूसरे एडमिन ने अभी इसे निपटा दिया। क्या हुआ यह देखने के लिए ताज़ा करें।</translation>
    </message>
    <message>
        <source>That bill is cancelled: refund the money or move it to another bill.</source>
        <translation>वह बिल रद्द है: पैसा लौटाएँ या दूसरे बिल पर ले जाएँ।</translation>
    </message>
    <message>
        <source>Nothing is due on that bill: refund the money or move it to another bill.</source>
        <translation>उस बिल पर कुछ बाकी नहीं है: पैसा लौटाएँ या दूसरे बिल पर ले जाएँ।</translation>
    </message>
    <message>
        <source>This reference is already recorded for a refund (payment {payment}).</source>
        <translation>यह रेफ़रेंस पहले से एक रिफ़ंड पर दर्ज है (भुगतान {payment})।</translation>
    </message>
    <message>
        <source>This money has no bill: move it to one of the patient&apos;s bills or refund it.</source>
        <translation>इस पैसे का कोई बिल नहीं है: इसे मरीज़ के किसी बिल पर ले जाएँ या लौटाएँ।</translation>
    </message>
    <message>
        <source>Choose another bill, or accept the money toward this one.</source>
        <translation>दूसरा बिल चुनें, या पैसा इसी बिल में स्वीकार करें।</translation>
    </message>
    <message>
        <source>Choose one of this patient&apos;s open bills.</source>
        <translation>इस मरीज़ का कोई खुला बिल चुनें।</translation>
    </message>
    <message>
        <source>Only {amount} is held.</source>
        <translation>सिर्फ़ {amount} रोका गया है।</translation>
    </message>
    <message>
        <source>Only {due} is due, so the other {excess} is refunded: enter the refund&apos;s reference.</source>
        <translation>सिर्फ़ {due} बाकी है, इसलिए बाकी {excess} लौटाया जाएगा: रिफ़ंड का रेफ़रेंस दर्ज करें।</translation>
    </message>
    <message>
        <source>Choose WhatsApp, SMS or e-mail.</source>
        <translation>WhatsApp, SMS या ई-मेल चुनें।</translation>
    </message>
    <message>
        <source>This desk already uses a remote database; Move to Neon copies the embedded one.</source>
        <translation>यह डेस्क पहले से रिमोट डेटाबेस पर है; Move to Neon एम्बेडेड डेटाबेस की कॉपी करता है।</translation>
    </message>
    <message>
        <source>The copy does not match in {count} table(s) ({names}). This desk stays on the embedded database; empty the remote database and try again.</source>
        <translation>कॉपी {count} टेबल में मेल नहीं खाती ({names})। यह डेस्क एम्बेडेड डेटाबेस पर ही रहेगी; रिमोट डेटाबेस खाली करके फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>That database already has {count} table(s). Homa Desk moves only into an empty database: create a new one and use its URL.</source>
        <translation>उस डेटाबेस में पहले से {count} टेबल हैं। Homa Desk सिर्फ़ खाली डेटाबेस में जाता है: नया डेटाबेस बनाकर उसका URL दें।</translation>
    </message>
    <message>
        <source>Cannot connect: {reason}</source>
        <translation>कनेक्ट नहीं हो सका: {reason}</translation>
    </message>
    <message>
        <source>Only a failed message can be sent again, and not one that went by another channel since (for a verification code, send a new code).</source>
        <translation>केवल विफल संदेश दोबारा भेजा जा सकता है, और वह नहीं जो बाद में किसी दूसरे माध्यम से जा चुका है (सत्यापन कोड के लिए नया कोड भेजें)।</translation>
    </message>
    <message>
        <source>The code {code} is already on the price list.</source>
        <translation>कोड {code} पहले से मूल्य सूची में है।</translation>
    </message>
    <message>
        <source>No such item on the price list.</source>
        <translation>मूल्य सूची में ऐसी कोई मद नहीं है।</translation>
    </message>
    <message>
        <source>This item is no longer on the price list: pick another or type the line.</source>
        <translation>यह मद अब मूल्य सूची में नहीं है: दूसरी चुनें या पंक्ति खुद लिखें।</translation>
    </message>
    <message>
        <source>The role {user} may not create databases there. The off-site copy keeps each night&apos;s copy in a database of its own: use the database&apos;s owner (on Neon, a role made in the console).</source>
        <translation>रोल {user} वहाँ डेटाबेस नहीं बना सकता। ऑफ़-साइट कॉपी हर रात की कॉपी अपने अलग डेटाबेस में रखती है: डेटाबेस के मालिक का उपयोग करें (Neon पर, कंसोल में बना रोल)।</translation>
    </message>
    <message>
        <source>This desk&apos;s data is on a remote server already; its provider keeps the off-site backups.</source>
        <translation>इस डेस्क का डेटा पहले से रिमोट सर्वर पर है; उसका प्रदाता ऑफ़-साइट बैकअप रखता है।</translation>
    </message>
    <message>
        <source>Enter the off-site database&apos;s URL first.</source>
        <translation>पहले ऑफ़-साइट डेटाबेस का URL दर्ज करें।</translation>
    </message>
    <message>
        <source>The backup&apos;s manifest could not be read back; check the backup folder.</source>
        <translation>बैकअप की मैनिफ़ेस्ट फ़ाइल पढ़ी नहीं जा सकी; बैकअप फ़ोल्डर जाँचें।</translation>
    </message>
    <message>
        <source>The copy does not match the backup in {count} table(s) ({names}).</source>
        <translation>कॉपी {count} टेबल में बैकअप से मेल नहीं खाती ({names})।</translation>
    </message>
    <message>
        <source>That database holds no off-site copy made by Homa Desk.</source>
        <translation>उस डेटाबेस में Homa Desk की बनाई कोई ऑफ़-साइट कॉपी नहीं है।</translation>
    </message>
    <message>
        <source>Another desk is making the off-site copy right now; try again in a few minutes.</source>
        <translation>दूसरा डेस्क अभी ऑफ़-साइट कॉपी बना रहा है; कुछ मिनट बाद फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>The off-site copy failed: {reason}</source>
        <translation>ऑफ़-साइट कॉपी विफल रही: {reason}</translation>
    </message>
    <message>
        <source>Cannot connect to the off-site database: {reason}</source>
        <translation>ऑफ़-साइट डेटाबेस से कनेक्ट नहीं हो सका: {reason}</translation>
    </message>
    <message>
        <source>The off-site database stopped answering: {reason}</source>
        <translation>ऑफ़-साइट डेटाबेस ने जवाब देना बंद कर दिया: {reason}</translation>
    </message>
    <message>
        <source>Cannot read the off-site copy: {reason}</source>
        <translation>ऑफ़-साइट कॉपी पढ़ी नहीं जा सकी: {reason}</translation>
    </message>
    <message>
        <source>This computer already has a clinic. Restore from the off-site copy is for a new computer; use Settings → Backup to restore here.</source>
        <translation>इस कंप्यूटर पर पहले से एक क्लिनिक है। ऑफ़-साइट कॉपी से वापस लाना नए कंप्यूटर के लिए है; यहाँ वापस लाने के लिए सेटिंग्स → बैकअप का उपयोग करें।</translation>
    </message>
    <message>
        <source>not set up: no DLT template for {kind} ({language}); an admin adds it in Settings → Messages</source>
        <translation>सेट नहीं: {kind} ({language}) के लिए कोई DLT टेम्पलेट नहीं; एडमिन इसे सेटिंग्स → संदेश में जोड़ते हैं</translation>
    </message>
    <message>
        <source>not_set_up</source>
        <translation>सेट नहीं</translation>
    </message>
    <message>
        <source>Paste the Phone number ID from WhatsApp Manager (digits only).</source>
        <translation>WhatsApp Manager से फ़ोन नंबर ID चिपकाएँ (केवल अंक)।</translation>
    </message>
    <message>
        <source>Paste the whole access token (one line).</source>
        <translation>पूरा एक्सेस टोकन चिपकाएँ (एक पंक्ति में)।</translation>
    </message>
    <message>
        <source>Paste the access token.</source>
        <translation>एक्सेस टोकन चिपकाएँ।</translation>
    </message>
    <message>
        <source>Only doctors and admins may see or change the medical history.</source>
        <translation>मेडिकल हिस्ट्री सिर्फ़ डॉक्टर और एडमिन देख या बदल सकते हैं।</translation>
    </message>
    <message>
        <source>{code} costs {rate} on the price list; only an admin may bill another rate.</source>
        <translation>मूल्य सूची में {code} की दर {rate} है; कोई और दर केवल एडमिन लगा सकते हैं।</translation>
    </message>
    <message>
        <source>A doctor may call only their own queue.</source>
        <translation>डॉक्टर सिर्फ़ अपनी ही कतार से बुला सकते हैं।</translation>
    </message>
    <message>
        <source>A {status} appointment cannot be checked in.</source>
        <translation>{status} अपॉइंटमेंट की चेक-इन नहीं हो सकती।</translation>
    </message>
    <message>
        <source>Only today&apos;s appointments can be checked in.</source>
        <translation>सिर्फ़ आज के अपॉइंटमेंट की चेक-इन हो सकती है।</translation>
    </message>
    <message>
        <source>{patient} is already in the queue (token {token}).</source>
        <translation>{patient} पहले से कतार में हैं (टोकन {token})।</translation>
    </message>
    <message>
        <source>{doctor} is on leave today.</source>
        <translation>{doctor} आज छुट्टी पर हैं।</translation>
    </message>
    <message>
        <source>Ask for 1 to {limit} rows at a time.</source>
        <translation>एक बार में 1 से {limit} पंक्तियाँ माँगें।</translation>
    </message>
    <message>
        <source>Connected to PostgreSQL {version} at {host}.</source>
        <translation>{host} पर PostgreSQL {version} से जुड़ गए।</translation>
    </message>
    <message>
        <source>Enter the URL of the remote database to test it.</source>
        <translation>जाँचने के लिए रिमोट डेटाबेस का URL दर्ज करें।</translation>
    </message>
    <message>
        <source>The {what} is too long (at most {limit} characters).</source>
        <translation>{what} बहुत लंबा है (अधिकतम {limit} अक्षर)।</translation>
    </message>
    <message>
        <source>Enter a phone number of 10 to 15 digits.</source>
        <translation>10 से 15 अंकों का फ़ोन नंबर दर्ज करें।</translation>
    </message>
    <message>
        <source>Choose an existing PNG, JPEG, SVG or BMP image.</source>
        <translation>मौजूदा PNG, JPEG, SVG या BMP इमेज चुनें।</translation>
    </message>
    <message>
        <source>Letters, digits, &apos;.&apos;, &apos;_&apos; and &apos;-&apos; only, as Exotel shows it.</source>
        <translation>केवल अक्षर, अंक, &apos;.&apos;, &apos;_&apos; और &apos;-&apos;, जैसा Exotel दिखाता है।</translation>
    </message>
    <message>
        <source>Enter the Razorpay key secret.</source>
        <translation>Razorpay key secret दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the Twilio auth token.</source>
        <translation>Twilio auth token दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the Exotel API token.</source>
        <translation>Exotel API टोकन डालें।</translation>
    </message>
    <message>
        <source>Enter the mail account&apos;s password.</source>
        <translation>मेल अकाउंट का पासवर्ड दर्ज करें।</translation>
    </message>
    <message>
        <source>Enter the bot token from @BotFather.</source>
        <translation>@BotFather से मिला बॉट टोकन दर्ज करें।</translation>
    </message>
    <message>
        <source>This computer has no keyring to keep it in: use the file keyring (the button at the top of this page), or install GNOME Keyring or KWallet.</source>
        <translation>इस कंप्यूटर में इसे रखने के लिए कीरिंग नहीं है: फ़ाइल कीरिंग इस्तेमाल करें (इस पेज में सबसे ऊपर का बटन), या GNOME Keyring या KWallet इंस्टॉल करें।</translation>
    </message>
    <message>
        <source>Enter the Principal Entity ID the templates belong to.</source>
        <translation>वह प्रिंसिपल एंटिटी ID डालें जिसके ये टेम्पलेट हैं।</translation>
    </message>
    <message>
        <source>Enter the sender header the templates are linked to.</source>
        <translation>वह सेंडर हेडर डालें जिससे ये टेम्पलेट जुड़े हैं।</translation>
    </message>
    <message>
        <source>Choose admin, receptionist or doctor.</source>
        <translation>एडमिन, रिसेप्शनिस्ट या डॉक्टर चुनें।</translation>
    </message>
    <message>
        <source>The first account is the clinic&apos;s admin.</source>
        <translation>पहला अकाउंट क्लिनिक का एडमिन होता है।</translation>
    </message>
    <message>
        <source>You cannot disable your own account.</source>
        <translation>आप अपना ही अकाउंट बंद नहीं कर सकते।</translation>
    </message>
    <message>
        <source>No such staff member.</source>
        <translation>ऐसा कोई स्टाफ़ सदस्य नहीं है।</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>दोनों पासवर्ड अलग हैं।</translation>
    </message>
    <message>
        <source>Another account already uses this e-mail.</source>
        <translation>यह ई-मेल पहले से किसी दूसरे अकाउंट में है।</translation>
    </message>
    <message>
        <source>No such UPI payment.</source>
        <translation>ऐसा कोई UPI भुगतान नहीं है।</translation>
    </message>
    <message>
        <source>Nothing is due on this bill.</source>
        <translation>इस बिल पर कुछ बाकी नहीं है।</translation>
    </message>
    <message>
        <source>A UPI payment is already open for this bill; cancel it or wait for it.</source>
        <translation>इस बिल का UPI भुगतान पहले से खुला है; उसे रद्द करें या उसका इंतज़ार करें।</translation>
    </message>
    <message>
        <source>The payment gateway did not answer, so no QR was made and nothing was charged. Try again or take cash.</source>
        <translation>पेमेंट गेटवे ने जवाब नहीं दिया, इसलिए QR नहीं बना और कोई पैसा नहीं कटा। फिर कोशिश करें या नकद लें।</translation>
    </message>
    <message>
        <source>This UPI payment is already {status}.</source>
        <translation>यह UPI भुगतान पहले से {status} है।</translation>
    </message>
    <message>
        <source>Choose SMS or e-mail.</source>
        <translation>SMS या ई-मेल चुनें।</translation>
    </message>
    <message>
        <source>No such person.</source>
        <translation>ऐसा कोई व्यक्ति नहीं है।</translation>
    </message>
    <message>
        <source>There is no mobile number to send a code to.</source>
        <translation>कोड भेजने के लिए मोबाइल नंबर नहीं है।</translation>
    </message>
    <message>
        <source>There is no e-mail address to send a code to.</source>
        <translation>कोड भेजने के लिए ई-मेल पता नहीं है।</translation>
    </message>
    <message>
        <source>No code is waiting for this person. Send a new code.</source>
        <translation>इस व्यक्ति के लिए कोई कोड बाकी नहीं है। नया कोड भेजें।</translation>
    </message>
    <message>
        <source>The code has expired. Send a new code.</source>
        <translation>कोड की समय-सीमा खत्म हो गई। नया कोड भेजें।</translation>
    </message>
    <message>
        <source>Too many wrong codes. Send a new code.</source>
        <translation>बहुत बार गलत कोड डाला गया। नया कोड भेजें।</translation>
    </message>
    <message>
        <source>That code is not right. {left} tries left.</source>
        <translation>कोड सही नहीं है। {left} कोशिशें बाकी हैं।</translation>
    </message>
    <message>
        <source>Systolic BP (mmHg)</source>
        <translation>सिस्टोलिक BP (mmHg)</translation>
    </message>
    <message>
        <source>Diastolic BP (mmHg)</source>
        <translation>डायस्टोलिक BP (mmHg)</translation>
    </message>
    <message>
        <source>Pulse (per minute)</source>
        <translation>पल्स (प्रति मिनट)</translation>
    </message>
    <message>
        <source>Temperature (°C)</source>
        <translation>तापमान (°C)</translation>
    </message>
    <message>
        <source>Weight (kg)</source>
        <translation>वज़न (kg)</translation>
    </message>
    <message>
        <source>SpO₂ (%)</source>
        <translation>SpO₂ (%)</translation>
    </message>
    <message>
        <source>Symptoms</source>
        <translation>लक्षण</translation>
    </message>
    <message>
        <source>Symptoms and notes</source>
        <translation>लक्षण और नोट्स</translation>
    </message>
    <message>
        <source>The diagnosis</source>
        <translation>निदान</translation>
    </message>
    <message>
        <source>The advice</source>
        <translation>सलाह</translation>
    </message>
    <message>
        <source>The note</source>
        <translation>नोट</translation>
    </message>
    <message>
        <source>The address</source>
        <translation>पता</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>एलर्जी</translation>
    </message>
    <message>
        <source>Medical history</source>
        <translation>मेडिकल हिस्ट्री</translation>
    </message>
    <message>
        <source>The reason</source>
        <translation>कारण</translation>
    </message>
    <message>
        <source>The reference</source>
        <translation>रेफ़रेंस</translation>
    </message>
    <message>
        <source>The description</source>
        <translation>विवरण</translation>
    </message>
    <message>
        <source>The password</source>
        <translation>पासवर्ड</translation>
    </message>
    <message>
        <source>The text</source>
        <translation>टेक्स्ट</translation>
    </message>
    <message>
        <source>The clinic&apos;s name</source>
        <translation>क्लिनिक का नाम</translation>
    </message>
    <message>
        <source>The folder</source>
        <translation>फ़ोल्डर</translation>
    </message>
    <message>
        <source>registration number</source>
        <translation>रजिस्ट्रेशन नंबर</translation>
    </message>
    <message>
        <source>specialty</source>
        <translation>विशेषज्ञता</translation>
    </message>
    <message>
        <source>qualification</source>
        <translation>योग्यता</translation>
    </message>
    <message>
        <source>room</source>
        <translation>कमरा</translation>
    </message>
    <message>
        <source>reason</source>
        <translation>कारण</translation>
    </message>
    <message>
        <source>medicine</source>
        <translation>दवा</translation>
    </message>
    <message>
        <source>strength</source>
        <translation>स्ट्रेंथ</translation>
    </message>
    <message>
        <source>more</source>
        <translation>ज़्यादा</translation>
    </message>
    <message>
        <source>less</source>
        <translation>कम</translation>
    </message>
    <message>
        <source>scheduled</source>
        <translation>तय</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>पूरा</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>रद्द</translation>
    </message>
    <message>
        <source>no-show</source>
        <translation>नो-शो</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>एडमिन</translation>
    </message>
    <message>
        <source>receptionist</source>
        <translation>रिसेप्शनिस्ट</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>डॉक्टर</translation>
    </message>
    <message>
        <source>BP {value}</source>
        <translation>BP {value}</translation>
    </message>
    <message>
        <source>Pulse {value}/min</source>
        <translation>पल्स {value}/मिनट</translation>
    </message>
    <message>
        <source>Temp {value}</source>
        <translation>तापमान {value}</translation>
    </message>
    <message>
        <source>Weight {value} kg</source>
        <translation>वज़न {value} kg</translation>
    </message>
    <message>
        <source>SpO₂ {value}%</source>
        <translation>SpO₂ {value}%</translation>
    </message>
    <message>
        <source>Something went wrong; the details are in the log.</source>
        <translation>कुछ गड़बड़ हो गई; विवरण लॉग में है।</translation>
    </message>
</context>
</TS>
