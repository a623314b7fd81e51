# Nguồn dữ liệu sản phẩm cho Google Merchant Center và Meta (issue 21).

# Phần đầu của tệp XML (ngôn ngữ của nguồn dữ liệu là tiếng Việt).
feeds-channel-title = Ketnoi — sản phẩm của các hợp tác xã do phụ nữ quản lý ở Hà Nội
feeds-channel-org = { $name } trên Ketnoi
feeds-channel-description = Sản phẩm đang bán của các hợp tác xã và tổ hợp tác trên Ketnoi.

# Trang quản lý của hợp tác xã.
feeds-title = Nguồn dữ liệu sản phẩm
feeds-intro = Dán các địa chỉ này vào Google Merchant Center hoặc Trình quản lý thương mại của Meta để sản phẩm của hợp tác xã hiện trên Google Mua sắm, Facebook và Instagram. Các nền tảng tự tải lại; sản phẩm bạn sửa sẽ có trong lần tải sau.
feeds-google-xml = Google Merchant Center (XML)
feeds-google-tsv = Google Merchant Center (bảng TSV)
feeds-meta-csv = Meta: Facebook, Instagram (bảng CSV)
feeds-needs-photo = Chỉ có các sản phẩm đang bán có ảnh và có giá; trải nghiệm không có trong nguồn dữ liệu.
feeds-wholesale-hidden = Giá sỉ mà hợp tác xã chỉ cho người mua đã xác minh xem không bao giờ có trong nguồn dữ liệu.
feeds-all = Nguồn dữ liệu của mọi hợp tác xã
