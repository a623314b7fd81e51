# Wholesale sourcing (issue 21): trade buyers, tax codes, the Union's verification, wholesale prices for verified buyers only.

## Tax code
trade-tax-code = Tax code
trade-tax-code-hint = Businesses: 10 digits, branches 3 more (e.g. 0101234565-001). The Union checks it to verify you.
trade-err-tax-shape = A tax code has 10 digits, or 13 with a branch number (e.g. 0101234565-001).
trade-err-tax-check-digit = This tax code is not valid: its check digit (the 10th) does not match. Please check the registration certificate.
trade-err-tax-branch = A branch number (the last 3 digits) runs from 001 to 999.
trade-err-no-tax-code = This organisation has no tax code to verify.

## Badge
trade-badge = Verified business
trade-waiting = Waiting for the Union to verify the tax code.
trade-change-clears = Changing the tax code means it is verified again.
trade-buyer-profile-title = Buyer's details
trade-buyer-page = The organisation's page
trade-edit-buyer = Edit details and tax code

## Union officers
trade-union-title = Verify trade buyers
trade-union-how = Check the tax code, name and address against the General Department of Taxation's lookup before verifying. Verified buyers see the wholesale prices cooperatives keep for businesses.
trade-union-empty = No buyer in your area has entered a tax code yet.
trade-verify = Verify
trade-unverify = Withdraw verification

## Wholesale prices for verified buyers only
trade-wholesale-legend = Wholesale prices
trade-wholesale-verified-only = Show wholesale prices to verified trade buyers only
trade-wholesale-verified-only-hint = Others still see the product and its retail price, but not the wholesale prices, and cannot order wholesale.
trade-wholesale-hidden = This cooperative shows wholesale prices to trade buyers verified by the Union only.
trade-wholesale-how = Register your buying organisation with its tax code to be verified.
trade-card-price-hidden = Wholesale price for verified businesses
trade-err-cart-verified-only = This wholesale price is for verified trade buyers only: this wholesale offer cannot be ordered.
