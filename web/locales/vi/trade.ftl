# Mua bán sỉ (issue 21): người mua doanh nghiệp, mã số thuế, xác minh của Hội, giá sỉ chỉ cho người mua đã xác minh.

## Mã số thuế
trade-tax-code = Mã số thuế
trade-tax-code-hint = Doanh nghiệp: 10 chữ số, chi nhánh thêm 3 số (ví dụ 0101234565-001). Hội sẽ đối chiếu để xác minh.
trade-err-tax-shape = Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với mã chi nhánh (ví dụ 0101234565-001).
trade-err-tax-check-digit = Mã số thuế không đúng: chữ số kiểm tra (số thứ 10) không khớp. Vui lòng xem lại giấy chứng nhận đăng ký.
trade-err-tax-branch = Mã chi nhánh (3 số cuối) phải từ 001 đến 999.
trade-err-no-tax-code = Tổ chức này chưa có mã số thuế để xác minh.

## Huy hiệu
trade-badge = Doanh nghiệp đã xác minh
trade-waiting = Chờ Hội xác minh mã số thuế.
trade-change-clears = Đổi mã số thuế thì phải được xác minh lại.
trade-buyer-profile-title = Thông tin người mua
trade-buyer-page = Trang của tổ chức
trade-edit-buyer = Sửa thông tin, mã số thuế

## Cán bộ Hội
trade-union-title = Xác minh người mua doanh nghiệp
trade-union-how = Đối chiếu mã số thuế, tên và địa chỉ với cổng tra cứu của Tổng cục Thuế trước khi xác minh. Người mua đã xác minh xem được giá sỉ mà hợp tác xã chỉ dành cho doanh nghiệp.
trade-union-empty = Chưa có người mua nào khai mã số thuế trong địa bàn của chị.
trade-verify = Xác minh
trade-unverify = Bỏ xác minh

## Giá sỉ chỉ cho người mua đã xác minh
trade-wholesale-legend = Giá sỉ
trade-wholesale-verified-only = Chỉ hiện giá sỉ cho người mua doanh nghiệp đã xác minh
trade-wholesale-verified-only-hint = Người khác vẫn thấy sản phẩm và giá lẻ, nhưng không thấy giá sỉ và không đặt được hàng sỉ.
trade-wholesale-hidden = Hợp tác xã chỉ báo giá sỉ cho người mua doanh nghiệp đã được Hội xác minh.
trade-wholesale-how = Đăng ký tổ chức người mua với mã số thuế để được xác minh.
trade-card-price-hidden = Giá sỉ cho doanh nghiệp đã xác minh
trade-err-cart-verified-only = Giá sỉ này chỉ dành cho người mua doanh nghiệp đã xác minh: không thể đặt hàng sỉ này.
