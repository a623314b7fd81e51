# Traceability, stamps and labels (issue 18).
trace-title = Traceability
trace-manage-link = Traceability and stamps
trace-intro = Each lot has its lot code, production date, place of production, inputs and steps; each stamp carries a QR code that opens the lot's trace page. A buyer scans it and sees.
trace-kicker = Traceability
trace-recalled = This lot was recalled on { $date }.
trace-recalled-short = Recalled
trace-stamp = Stamp no.
trace-check = check code
trace-check-hint = The check code printed beside the QR code on the stamp must match the one here; if it does not, the stamp may be fake.
trace-copied-public = This stamp has been scanned from very many different devices in a short time: its QR code may have been copied. Compare the check code, and contact the cooperative if in doubt.
trace-scans =
    { $count ->
        [0] The first scan of this stamp
        [1] Scanned once before
       *[other] Scanned { $count } times before
    }
trace-producer = Producer
trace-gtin = GTIN
trace-code = Trace code
trace-lot = Lot
trace-produced-on = Produced or harvested on
trace-expires-on = Best before
trace-quantity = Quantity
trace-place = Place of production
trace-map = See on the map
trace-inputs = Inputs (one step back)
trace-steps = Steps
trace-buy = Buy this product
trace-portal = More on the national traceability portal:
trace-step-commissioning = Lot created and coded
trace-step-transforming = Processing
trace-step-packing = Packing
trace-step-shipping = Shipping
trace-step-receiving = Receiving
trace-product-saved = The product's trace code is saved.
trace-flags-title = Stamps that may have been copied
trace-flags-hint = These stamps were scanned from too many different devices in a short time. Check goods on the market, and tell the Union if you find fakes.
trace-flag-counts = { $clients } different devices
trace-lots = Lots
trace-no-products = No product has a trace code yet: choose one under "Products with a trace code" below first.
trace-no-lots = No lots yet.
trace-stamps-n =
    { $count ->
        [1] 1 stamp
       *[other] { $count } stamps
    }
trace-lots-n =
    { $count ->
        [1] 1 lot
       *[other] { $count } lots
    }
trace-export = Export for the national traceability portal
trace-products = Products with a trace code
trace-product-add = Give a product a trace code
trace-product = Product
trace-gtin-field = GTIN (barcode number), if any
trace-gtin-hint = 8, 12, 13 or 14 digits, e.g. 8934567000015. Leave empty if the cooperative has no barcode: Ketnoi gives its own trace code.
trace-product-save = Give a code
lot-new-title = New lot
lot-code = Lot code
lot-code-hint = Up to 20 characters: letters without accents, digits, dot, hyphen, underscore.
lot-expires-hint = Optional.
lot-quantity-hint = A whole number, in the product's unit of sale.
lot-inputs-hint = What was this lot made from? Tick lots received from other cooperatives, your own lots, or paste the link of the stamp on a sack you received.
lot-inputs-received = Lots received from other cooperatives
lot-inputs-own = Your own lots
lot-input-links = Links of other stamps or lots
lot-input-links-hint = One link per line, e.g. https://ketnoi.vn/01/08934567000015/10/L1.
lot-note = Note
lot-save = Save the lot
lot-saved-created = The lot is created, with its commissioning step.
lot-saved-step = The step is recorded.
lot-saved-stamps = The stamps are made. Choose a layout to print them.
lot-recalled-told =
    { $count ->
        [1] The lot is recalled and 1 buyer was told.
       *[other] The lot is recalled and { $count } buyers were told.
    }
lot-public-page = Public trace page
lot-outputs = Lots made from this one
step-new = Record a step
step-kind = Step
step-time = Time
step-place = Place
step-place-hint = E.g. the processing workshop, the store, the shop that received the goods.
step-quantity-hint = Optional.
step-save = Save the step
stamps-title = Trace stamps
stamps-count = Stamps to make
stamps-count-hint = Each stamp has its own serial number; at most 100,000 at once.
stamps-make = Make stamps
stamps-layout = Layout
stamps-range = Stamp numbers
stamps-range-hint = To print some of them: from … to …
stamps-first = From
stamps-last = To
stamps-print = Download to print (PDF)
stamp-layout-a4-40 = A4 sheet, 40 labels (52.5 × 29.7 mm)
stamp-layout-a4-65 = A4 sheet, 65 labels (38.1 × 21.2 mm)
stamp-layout-roll = Label roll, 50 × 30 mm
lot-shipped-title = Shipped to (one step forward)
lot-shipped-none = This lot has not been shipped on any order.
recall-title = Recall this lot
recall-hint = The lot is marked recalled on its trace page, and the { $count } orders that received it get a message (each buyer once).
recall-reason = Reason for the recall
recall-confirm = Recall and tell the buyers
recall-notices =
    { $count ->
        [1] 1 buyer was told.
       *[other] { $count } buyers were told.
    }
recall-message = RECALL NOTICE: lot { $lot } of { $product } (order { $order }) is recalled. Reason: { $reason }. Please stop using it and answer this message for a replacement or a refund. Details: { $link }
err-gtin-check = Wrong check digit (the last one): with the digits before it, the last digit must be { $digit }.
err-gtin-length = A GTIN has 8, 12, 13 or 14 digits.
err-gtin-digits = A GTIN has only digits.
err-gtin-taken = This GTIN is already used for another product.
err-trace-products-full = The cooperative has used all its product numbers.
err-lot-code = A lot code has 1 to 20 characters: letters without accents, digits, dot, hyphen, underscore.
err-lot-code-taken = This product already has a lot with this code.
err-lot-future = This date is in the future.
err-lot-expiry = The best-before date must come after the production date.
err-lot-quantity = Enter the quantity as a whole number above zero.
err-lot-link = No lot found at this link: { $link }
err-step-time = Enter a date and time.
err-stamp-count = Between 1 and { $max } stamps.
err-stamp-full = A lot has at most { $max } stamps.
err-stamp-recalled = A recalled lot gets no more stamps.
err-stamp-none = The lot has no stamps yet: make them first.
err-stamp-range = Choose numbers between 1 and { $stamps }, at most { $max } stamps per file.
order-lots = Lots shipped
order-ship-lots = Which lot do the goods come from? The buyer can trace them, and the cooperative can tell her if it must recall them.
order-ship-no-lot = No lot recorded
trace-scans-total = { $count } scans
err-step-before-lot = A step of the lot cannot come before its production day ({ $date }). Inputs received before it are recorded as the lot's inputs.
