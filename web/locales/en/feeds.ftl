# Product feeds for Google Merchant Center and Meta (issue 21).

# The XML file's header (the feed's language is Vietnamese).
feeds-channel-title = Ketnoi — products of women-managed cooperatives in Hanoi
feeds-channel-org = { $name } on Ketnoi
feeds-channel-description = Products on sale from cooperatives and cooperative groups on Ketnoi.

# The cooperative's management page.
feeds-title = Product feeds
feeds-intro = Paste these addresses into Google Merchant Center or Meta Commerce Manager to show the cooperative's products on Google Shopping, Facebook and Instagram. The platforms fetch them again by themselves; a product you edit is in their next fetch.
feeds-google-xml = Google Merchant Center (XML)
feeds-google-tsv = Google Merchant Center (TSV sheet)
feeds-meta-csv = Meta: Facebook, Instagram (CSV sheet)
feeds-needs-photo = Only products on sale with a photo and a price are included; experiences are not.
feeds-wholesale-hidden = Wholesale prices the cooperative shows to verified buyers only are never in a feed.
feeds-all = Feeds of every cooperative
