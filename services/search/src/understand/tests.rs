use super::*;

fn u(q: &str) -> Understood {
    understand(q)
}

fn price(q: &str) -> (Option<i64>, Option<i64>) {
    let r = u(q);
    (r.price_min, r.price_max)
}

fn code_of(short: &str) -> String {
    ketnoi_domain::admin_units::hanoi_communes()
        .iter()
        .find(|c| c.short_name == short)
        .map(|c| c.code.clone())
        .unwrap_or_default()
}

fn old_district(name: &str) -> Vec<String> {
    ketnoi_domain::admin_units::hanoi_communes()
        .iter()
        .filter(|c| c.legacy_districts.split('|').any(|d| d.ends_with(name)))
        .map(|c| c.code.clone())
        .collect()
}

#[test]
fn max_price_in_thousands() {
    let r = u("gạo dưới 100k");
    assert_eq!(r.text, "gạo");
    assert_eq!((r.price_min, r.price_max), (None, Some(100_000)));
    assert_eq!(r.consumed, ["dưới 100k"]);
    for q in [
        "gạo duoi 100 k",
        "gạo dưới 100K",
        "gạo không quá 100 nghìn",
        "gạo tối đa 100 ngàn",
        "gạo max 100 nghin",
        "gạo < 100k",
        "gạo <100k",
        "gạo <=100k",
        "gạo ≤ 100 ngan",
        "rice under 100k",
        "rice below 100k",
        "rice less than 100k",
    ] {
        assert_eq!(price(q), (None, Some(100_000)), "{q}");
    }
}

#[test]
fn millions_with_decimals_both_ways() {
    for q in [
        "lụa tối đa 1,5 triệu",
        "lụa dưới 1.5tr",
        "lụa dưới 1,5tr",
        "lụa dưới 1tr5",
        "lụa dưới 1500k",
    ] {
        assert_eq!(price(q), (None, Some(1_500_000)), "{q}");
    }
    assert_eq!(price("lụa trên 1tr"), (Some(1_000_000), None));
    assert_eq!(price("trên 2 triệu"), (Some(2_000_000), None));
    assert_eq!(price("lacquer under 1 million"), (None, Some(1_000_000)));
    assert_eq!(price("silk under 1.5 million"), (None, Some(1_500_000)));
    assert_eq!(price("tea over 200 thousand"), (Some(200_000), None));
    assert_eq!(price("dưới 2,25 triệu"), (None, Some(2_250_000)));
}

#[test]
fn dong_amounts_with_separators_and_currency() {
    for q in [
        "dưới 100.000",
        "dưới 100.000đ",
        "dưới 100.000 đ",
        "dưới 100000d",
        "dưới 100,000 VND",
        "dưới 100.000 vnđ",
        "dưới 100.000 đồng",
        "dưới 100.000 dong",
        "dưới 100.000₫",
    ] {
        assert_eq!(price(q), (None, Some(100_000)), "{q}");
        assert_eq!(u(q).text, "", "{q}");
    }
}

#[test]
fn minimum_words() {
    for q in [
        "trên 200k",
        "tren 200k",
        "hơn 200k",
        "từ 200k",
        "over 200k",
        "above 200k",
        "more than 200k",
        "at least 200k",
        "> 200k",
        ">=200k",
        "200k trở lên",
        "200k+",
        "200k or more",
    ] {
        assert_eq!(price(q), (Some(200_000), None), "{q}");
    }
    for q in ["100k trở xuống", "100k đổ lại", "100k or less"] {
        assert_eq!(price(q), (None, Some(100_000)), "{q}");
    }
}

#[test]
fn ranges_share_their_unit() {
    for q in [
        "gốm 100k-200k",
        "gốm 100-200k",
        "gốm 100k - 200k",
        "gốm 100k–200k",
        "gốm từ 100k đến 200k",
        "gốm từ 100 đến 200 nghìn",
        "gốm từ 100k tới 200k",
        "gốm giá 100-200",
        "gom from 100k to 200k",
        "gom between 100k and 200k",
        "gốm 200k-100k",
    ] {
        let r = u(q);
        assert_eq!(
            (r.price_min, r.price_max),
            (Some(100_000), Some(200_000)),
            "{q}"
        );
        assert_eq!(
            r.text,
            if q.starts_with("gom") { "gom" } else { "gốm" },
            "{q}"
        );
    }
    assert_eq!(price("1-2tr"), (Some(1_000_000), Some(2_000_000)));
    assert_eq!(price("500-1tr"), (Some(500_000), Some(1_000_000)));
    assert_eq!(price("500k-1,2tr"), (Some(500_000), Some(1_200_000)));
}

#[test]
fn about_is_twenty_percent_either_side() {
    for q in [
        "khoảng 100k",
        "tầm 100k",
        "around 100k",
        "about 100k",
        "~100k",
    ] {
        assert_eq!(price(q), (Some(80_000), Some(120_000)), "{q}");
    }
    // A bare amount with a money unit is "about".
    let r = u("gạo 50k");
    assert_eq!((r.price_min, r.price_max), (Some(40_000), Some(60_000)));
    assert_eq!(r.text, "gạo");
    assert_eq!(price("gạo 100.000"), (Some(80_000), Some(120_000)));
    assert_eq!(price("giá 50"), (Some(40_000), Some(60_000)));
}

#[test]
fn two_bounds_in_one_query() {
    let r = u("lụa trên 100k dưới 300k");
    assert_eq!((r.price_min, r.price_max), (Some(100_000), Some(300_000)));
    assert_eq!(r.consumed, ["trên 100k", "dưới 300k"]);
    // A second maximum is not read.
    let r = u("dưới 100k dưới 50k");
    assert_eq!(r.price_max, Some(100_000));
    assert_eq!(r.text, "dưới 50k");
}

#[test]
fn unitless_numbers_after_a_comparison() {
    assert_eq!(price("dưới 100"), (None, Some(100_000)));
    assert_eq!(price("dưới 1500"), (None, Some(1_500)));
    // Too small to guess thousands or millions.
    let r = u("trà dưới 5");
    assert_eq!((r.price_min, r.price_max), (None, None));
    assert_eq!(r.text, "trà dưới 5");
}

#[test]
fn slang_cu_needs_a_comparison() {
    assert_eq!(price("dưới 1 củ"), (None, Some(1_000_000)));
    let r = u("3 củ tỏi");
    assert_eq!((r.price_min, r.price_max), (None, None));
    assert_eq!(r.text, "3 củ tỏi");
}

#[test]
fn per_unit_is_read_with_the_price() {
    let r = u("mật ong dưới 300k/kg");
    assert_eq!(r.price_max, Some(300_000));
    assert_eq!(r.text, "mật ong");
    assert_eq!(r.consumed, ["dưới 300k/kg"]);
}

#[test]
fn quantities_are_not_prices() {
    for q in [
        "miến dong 500g",
        "gạo tám 5kg",
        "gạo 5 kg",
        "tour 2 ngày 1 đêm",
        "sữa tươi 1 lít",
        "đồ chơi dưới 3 tuổi",
        "hộp quà trên 10 cái",
        "nhóm từ 5 người",
        "chai 500 ml",
        "0912345678",
        "gạo 100",
    ] {
        let r = u(q);
        assert_eq!((r.price_min, r.price_max), (None, None), "{q}");
        assert_eq!(r.text, q, "{q}");
    }
}

#[test]
fn dates_are_not_prices_or_stars() {
    for q in ["hoa 8/3", "hoa 20/10", "hoa 4/5", "chợ hoa 8:30"] {
        let r = u(q);
        assert!(r.is_empty(), "{q}: {r:?}");
        assert_eq!(r.text, q);
    }
}

#[test]
fn cheap_is_a_hint() {
    for (q, rest) in [
        ("gạo rẻ", "gạo"),
        ("gao gia re", "gao"),
        ("gạo giá rẻ nhất", "gạo"),
        ("nón lá bình dân", "nón lá"),
        ("cheap honey", "honey"),
        ("affordable silk scarf", "silk scarf"),
        ("trà giá tốt", "trà"),
    ] {
        let r = u(q);
        assert!(r.cheap, "{q}");
        assert_eq!((r.price_min, r.price_max), (None, None), "{q}");
        assert_eq!(r.text, rest, "{q}");
    }
    // "rễ" (root) is not "rẻ".
    assert!(!u("rễ cây thuốc").cheap);
}

#[test]
fn wholesale_intent() {
    for (q, rest) in [
        ("gạo sỉ", "gạo"),
        ("gao si", "gao"),
        ("bán sỉ gạo nếp", "gạo nếp"),
        ("mua sỉ bánh chưng", "bánh chưng"),
        ("giá sỉ giò chả", "giò chả"),
        ("giò chả số lượng lớn", "giò chả"),
        ("bán buôn nước mắm", "nước mắm"),
        ("rice wholesale", "rice"),
        ("tea in bulk", "tea"),
        ("bulk tea", "tea"),
    ] {
        let r = u(q);
        assert_eq!(r.offer_kind.as_deref(), Some("wholesale"), "{q}");
        assert_eq!(r.text, rest, "{q}");
    }
}

#[test]
fn si_only_as_a_whole_word_and_with_its_tone() {
    for q in ["tranh họa sĩ", "nghệ sĩ", "sinh tố", "gạo sì"] {
        let r = u(q);
        assert_eq!(r.offer_kind, None, "{q}");
        assert_eq!(r.text, q);
    }
    // "buồn" is not "buôn".
    assert_eq!(u("buon ngu").offer_kind, None);
}

#[test]
fn retail_intent_and_le_in_names() {
    for q in [
        "bán lẻ trà sen",
        "mua lẻ trà sen",
        "trà sen lẻ",
        "trà sen retail",
    ] {
        let r = u(q);
        assert_eq!(r.offer_kind.as_deref(), Some("retail"), "{q}");
        assert_eq!(r.text, "trà sen", "{q}");
    }
    for q in ["giò lụa ước lễ", "gio lua uoc le", "quả lê"] {
        let r = u(q);
        assert!(r.is_empty(), "{q}: {r:?}");
    }
}

#[test]
fn wholesale_and_retail_together_mean_no_offer_filter() {
    let r = u("gạo sỉ lẻ");
    assert_eq!(r.offer_kind, None);
    assert_eq!(r.text, "gạo");
    assert!(r.consumed.is_empty());
    assert_eq!(r.dropped, ["sỉ", "lẻ"]);
}

#[test]
fn experiences_consumed_or_kept() {
    let r = u("trải nghiệm làm gốm");
    assert_eq!(r.offer_kind.as_deref(), Some("experience"));
    assert_eq!(r.text, "làm gốm");
    let r = u("trai nghiem lam gom");
    assert_eq!(r.offer_kind.as_deref(), Some("experience"));
    assert_eq!(r.text, "lam gom");
    // Category words: filter, but the word stays.
    for q in [
        "workshop gốm",
        "tour làng lụa",
        "homestay",
        "tham quan vườn đào",
    ] {
        let r = u(q);
        assert_eq!(r.offer_kind.as_deref(), Some("experience"), "{q}");
        assert_eq!(r.text, q);
        assert!(r.consumed.is_empty());
    }
}

#[test]
fn ocop_stars() {
    let r = u("trà OCOP 4 sao");
    assert_eq!(r.min_stars, Some(4));
    assert_eq!(r.certification, None);
    assert_eq!(r.text, "trà");
    assert_eq!(r.consumed, ["OCOP 4 sao"]);
    for (q, n) in [
        ("trà 4 sao", 4),
        ("trà 4*", 4),
        ("trà 4 ★", 4),
        ("trà ★★★★★", 5),
        ("trà ocop 4", 4),
        ("trà ocop4", 4),
        ("trà 4sao", 4),
        ("tea 4-star", 4),
        ("tea 4 stars", 4),
        ("tea five-star", 5),
        ("trà 3 sao trở lên", 3),
        ("trà từ 3 sao", 3),
        ("trà trên 4 sao ocop", 4),
        ("TRÀ OCOP 5 SAO", 5),
        ("trà ba sao", 3),
    ] {
        let r = u(q);
        assert_eq!(r.min_stars, Some(n), "{q}");
        assert!(
            ["trà", "TRÀ", "tea"].contains(&r.text.as_str()),
            "{q}: {r:?}"
        );
    }
    // Not an OCOP rating.
    for q in ["khách sạn 2 sao", "4 mùa", "trà 4"] {
        let r = u(q);
        assert_eq!(r.min_stars, None, "{q}");
        assert_eq!(r.text, q);
    }
}

#[test]
fn certifications() {
    for (q, code, rest) in [
        ("rau vietgap", "vietgap", "rau"),
        ("rau Viet GAP", "vietgap", "rau"),
        ("rau đạt chuẩn VietGAP", "vietgap", "rau"),
        ("gạo hữu cơ", "huu_co", "gạo"),
        ("gao huu co", "huu_co", "gao"),
        ("organic rice", "huu_co", "rice"),
        ("sản phẩm OCOP", "ocop", ""),
        ("miến ocop", "ocop", "miến"),
    ] {
        let r = u(q);
        assert_eq!(r.certification.as_deref(), Some(code), "{q}");
        assert_eq!(r.text, rest, "{q}");
    }
    // Every code exists in the catalogue.
    for code in ["vietgap", "huu_co", "ocop"] {
        assert!(
            ketnoi_domain::catalog::certification(code).is_some(),
            "{code}"
        );
    }
}

#[test]
fn second_certification_stays_text_but_ocop_means_stars() {
    let r = u("rau hữu cơ vietgap");
    assert_eq!(r.certification.as_deref(), Some("huu_co"));
    assert_eq!(r.text, "rau vietgap");
    let r = u("gạo hữu cơ OCOP");
    assert_eq!(r.certification.as_deref(), Some("huu_co"));
    assert_eq!(r.min_stars, Some(3));
    assert_eq!(r.text, "gạo");
}

#[test]
fn a_commune_by_name() {
    let bat_trang = vec!["00577".to_owned()];
    for (q, rest) in [
        ("gốm Bát Tràng", "gốm"),
        ("gom bat trang", "gom"),
        ("GỐM BÁT TRÀNG", "GỐM"),
        ("gốm xã Bát Tràng", "gốm"),
        ("gốm ở Bát Tràng", "gốm"),
        ("gốm tại bat trang", "gốm"),
        ("gốm từ Bát Tràng", "gốm"),
        ("ceramics from Bat Trang", "ceramics"),
        ("ceramics in Bat Trang commune", "ceramics"),
    ] {
        let r = u(q);
        assert_eq!(r.communes, bat_trang, "{q}");
        assert_eq!(r.text, rest, "{q}");
    }
    assert_eq!(u("gốm ở Bát Tràng").consumed, ["ở Bát Tràng"]);
}

#[test]
fn an_old_district_spans_several_communes() {
    let gia_lam = old_district("Gia Lâm");
    assert!(gia_lam.len() > 1 && gia_lam.contains(&"00577".to_owned()));
    for q in [
        "rau Gia Lâm",
        "rau huyện Gia Lâm",
        "rau gia lam",
        "vegetables Gia Lam district",
    ] {
        let r = u(q);
        assert_eq!(r.communes, gia_lam, "{q}");
    }
    // "xã Gia Lâm": the commune of that name only.
    assert_eq!(u("rau xã Gia Lâm").communes, [code_of("Gia Lâm")]);
    for name in [
        "Đông Anh",
        "Chương Mỹ",
        "Sóc Sơn",
        "Thanh Trì",
        "Thường Tín",
        "Ba Vì",
        "Mê Linh",
    ] {
        let r = u(&format!("đặc sản {name}"));
        assert_eq!(r.communes, old_district(name), "{name}");
        assert_eq!(r.text, "đặc sản");
    }
    // Old districts that are no commune's name now.
    assert_eq!(u("Nam Từ Liêm").communes, old_district("Nam Từ Liêm"));
    assert_eq!(u("thị xã Sơn Tây").communes, old_district("Sơn Tây"));
    // "Từ Liêm" is a ward of its own.
    assert_eq!(u("rau Từ Liêm").communes, [code_of("Từ Liêm")]);
}

#[test]
fn common_word_names_need_a_marker() {
    // "Láng" (one syllable) is not "làng".
    for q in [
        "rau láng",
        "cốm làng Vòng",
        "nón lá làng Chuông",
        "tượng Phúc Lộc Thọ",
        "hoa hồng Hà Nội",
    ] {
        let r = u(q);
        assert!(r.communes.is_empty(), "{q}: {r:?}");
    }
    assert_eq!(u("rau phường Láng").communes, [code_of("Láng")]);
    assert_eq!(u("trà ở Phúc Lộc").communes, [code_of("Phúc Lộc")]);
    assert_eq!(u("cốm làng Vòng").text, "cốm làng Vòng");
}

#[test]
fn typed_diacritics_must_agree() {
    // "đường hóa" is not "Dương Hòa"; without diacritics it may be.
    assert!(u("gạo đường hóa").communes.is_empty());
    assert_eq!(
        u("gao duong hoa").communes,
        old_district_or_commune("Dương Hòa")
    );
    // Old and new tone placement are the same: "Hoà" = "Hòa".
    assert_eq!(u("rau Ứng Hoà").communes, old_district("Ứng Hòa"));
}

fn old_district_or_commune(name: &str) -> Vec<String> {
    let d = old_district(name);
    if d.is_empty() { vec![code_of(name)] } else { d }
}

#[test]
fn hanoi_is_the_whole_city() {
    for q in [
        "cốm Hà Nội",
        "cốm ha noi",
        "com Hanoi",
        "cốm ở Hà Nội",
        "cốm thành phố Hà Nội",
    ] {
        let r = u(q);
        assert!(r.communes.is_empty(), "{q}");
        assert_eq!(r.text.split(' ').count(), 1, "{q}: {r:?}");
        assert_eq!(r.dropped.len(), 1, "{q}");
        assert!(r.consumed.is_empty());
    }
}

#[test]
fn van_mieu_by_either_half() {
    let code = ketnoi_domain::admin_units::hanoi_communes()
        .iter()
        .find(|c| c.short_name.starts_with("Văn Miếu"))
        .map(|c| c.code.clone());
    assert_eq!(u("tranh Văn Miếu").communes.first().cloned(), code);
    assert_eq!(u("quoc tu giam").communes.first().cloned(), code);
}

#[test]
fn shopping_words_are_dropped() {
    for (q, rest) in [
        ("mua gạo nếp", "gạo nếp"),
        ("cần mua mật ong", "mật ong"),
        ("shop bán gốm uy tín", "gốm"),
        ("tìm nón lá", "nón lá"),
        ("mua lụa ở đâu", "lụa"),
        ("sản phẩm mây tre đan chính hãng", "mây tre đan"),
        ("buy silk scarf online", "silk scarf"),
        ("the best honey for a gift", "best honey gift"),
    ] {
        let r = u(q);
        assert_eq!(r.text, rest, "{q}");
        assert!(r.consumed.is_empty(), "{q}");
        assert!(!r.is_empty(), "{q}");
    }
    assert_eq!(u("mua gạo nếp").dropped, ["mua"]);
    assert_eq!(u("mua sắm quà Tết").text, "quà Tết");
}

#[test]
fn ambiguous_words_without_diacritics_stay() {
    // mùa/múa, bàn/bản, tím, thẻ: only their accented shopping sense is dropped.
    for q in [
        "mua thu",
        "mua roi nuoc",
        "ban go",
        "tour ban Dao",
        "hoa tim",
        "ao the",
        "do an vat",
    ] {
        let r = u(q);
        assert!(r.dropped.is_empty(), "{q}: {r:?}");
    }
    assert_eq!(u("hoa tím").text, "hoa tím");
    // "tằm" typed without diacritics is not "tầm" (about).
    let r = u("lua to tam 500k");
    assert_eq!(r.text, "lua to tam");
    assert_eq!((r.price_min, r.price_max), (Some(400_000), Some(600_000)));
}

#[test]
fn an_unfinished_last_word_is_not_dropped() {
    assert_eq!(u("honey a").text, "honey a");
    assert_eq!(u("honey a ").text, "honey");
    assert_eq!(u("honey and").text, "honey and");
}

#[test]
fn product_words_are_untouched() {
    for q in [
        "gốm",
        "gốm sứ bát",
        "lụa tơ tằm",
        "nước mắm",
        "hoa sen",
        "giá đỗ",
        "rau cho nhà hàng",
        "quà tặng doanh nghiệp",
    ] {
        let r = u(q);
        assert!(r.is_empty(), "{q}: {r:?}");
        assert_eq!(r.text, q);
    }
    assert!(u("").is_empty());
    assert_eq!(u("  gốm   sứ ").text, "gốm sứ");
}

#[test]
fn everything_at_once_in_order() {
    let r = u("mua gạo nếp hữu cơ OCOP 4 sao ở Gia Lâm dưới 100k giá sỉ");
    assert_eq!(r.text, "gạo nếp");
    assert_eq!(r.certification.as_deref(), Some("huu_co"));
    assert_eq!(r.min_stars, Some(4));
    assert_eq!(r.communes, old_district("Gia Lâm"));
    assert_eq!(r.price_max, Some(100_000));
    assert_eq!(r.offer_kind.as_deref(), Some("wholesale"));
    assert_eq!(
        r.consumed,
        ["hữu cơ", "OCOP 4 sao", "ở Gia Lâm", "dưới 100k", "giá sỉ"]
    );
    assert_eq!(r.dropped, ["mua"]);
}

#[test]
fn tour_with_duration_place_and_budget() {
    let r = u("tour 2 ngày 1 đêm Ba Vì dưới 2 triệu");
    assert_eq!(r.text, "tour 2 ngày 1 đêm");
    assert_eq!(r.offer_kind.as_deref(), Some("experience"));
    assert_eq!(r.communes, old_district("Ba Vì"));
    assert_eq!(r.price_max, Some(2_000_000));
}

#[test]
fn symbols_next_to_a_phrase_go_with_it() {
    assert_eq!(u("gạo, dưới 100k").text, "gạo");
    assert_eq!(u("gốm (giá rẻ)").text, "gốm");
    assert_eq!(u("gốm - Bát Tràng").text, "gốm");
    assert_eq!(u("gốm-sứ").text, "gốm-sứ");
}

#[test]
fn decomposed_input_is_read_like_composed() {
    let nfd: String = "gốm Bát Tràng dưới 100k".nfd().collect();
    let r = u(&nfd);
    assert_eq!(r.text, "gốm");
    assert_eq!(r.communes, ["00577"]);
    assert_eq!(r.price_max, Some(100_000));
    assert_eq!(r.consumed, ["Bát Tràng", "dưới 100k"]);
}

#[test]
fn apply_fills_what_the_query_leaves_open() {
    let q = SearchQuery {
        text: "gốm Bát Tràng OCOP 4 sao dưới 500k".into(),
        limit: 7,
        ..SearchQuery::default()
    };
    let (out, r) = apply(&q);
    assert_eq!(out.text, "gốm");
    assert_eq!(out.commune_code.as_deref(), Some("00577"));
    assert_eq!(out.min_stars, Some(4));
    assert_eq!(out.price_max, Some(500_000));
    assert_eq!(out.limit, 7);
    assert_eq!(r.communes, ["00577"]);
    // Several communes: not one commune_code.
    let (out, r) = apply(&SearchQuery {
        text: "rau Gia Lâm".into(),
        ..SearchQuery::default()
    });
    assert_eq!(out.commune_code, None);
    assert!(r.communes.len() > 1);
}

#[test]
fn apply_lets_explicit_filters_win() {
    let q = SearchQuery {
        text: "gạo sỉ Gia Lâm hữu cơ 4 sao trên 100k".into(),
        offer_kind: Some("retail".into()),
        commune_code: Some("00004".into()),
        certification: Some("vietgap".into()),
        min_stars: Some(5),
        price_max: Some(300_000),
        ..SearchQuery::default()
    };
    let (out, r) = apply(&q);
    assert_eq!(out.text, "gạo");
    assert_eq!(out.offer_kind.as_deref(), Some("retail"));
    assert_eq!(out.commune_code.as_deref(), Some("00004"));
    assert_eq!(out.certification.as_deref(), Some("vietgap"));
    assert_eq!(out.min_stars, Some(5));
    assert_eq!((out.price_min, out.price_max), (None, Some(300_000)));
    assert!(r.communes.is_empty() && r.offer_kind.is_none() && r.price_min.is_none());
    assert!(r.consumed.is_empty(), "{r:?}");
    assert_eq!(r.dropped.len(), 5);
    // Nothing to understand: the query as it was, the category it names preferred.
    let plain = SearchQuery {
        text: "nón lá".into(),
        ..SearchQuery::default()
    };
    let (out, r) = apply(&plain);
    assert_eq!(
        out,
        SearchQuery {
            prefer_categories: vec!["non-la-do-choi".into()],
            ..plain.clone()
        }
    );
    assert!(r.is_empty());
    // A category filter set: no preference to add.
    let filtered = SearchQuery {
        category: Some("thu-cong".into()),
        ..plain
    };
    assert!(apply(&filtered).0.prefer_categories.is_empty());
}

#[test]
fn words_that_only_start_like_shopping_words_stay() {
    for q in ["tìm hiểu nghề gốm", "bán thành phẩm gỗ", "bán đảo"] {
        let r = u(q);
        assert!(r.is_empty(), "{q}: {r:?}");
        assert_eq!(r.text, q);
    }
}

#[test]
fn english_place_markers_only_in_english_queries() {
    // "in" is also Vietnamese (to print).
    assert!(u("in ấn").is_empty());
    let r = u("áo in Bát Tràng");
    assert_eq!(r.text, "áo in");
    assert_eq!(r.communes, ["00577"]);
    let r = u("honey in Ba Vi");
    assert_eq!(r.text, "honey");
    assert_eq!(r.consumed, ["in Ba Vi"]);
}

#[test]
fn ocop_with_and_without_a_star_count() {
    let r = u("trà 4 sao ocop");
    assert_eq!((r.min_stars, r.certification.as_deref()), (Some(4), None));
    assert_eq!(r.consumed, ["4 sao ocop"]);
    let r = u("ocop trà 4 sao");
    assert_eq!(
        (r.min_stars, r.certification.as_deref()),
        (Some(4), Some("ocop"))
    );
    assert_eq!(r.text, "trà");
    let r = u("OCOP");
    assert_eq!(r.certification.as_deref(), Some("ocop"));
    assert_eq!(r.text, "");
}

#[test]
fn is_empty_means_nothing_changes() {
    assert!(u("hoa lan hồ điệp").is_empty());
    // A kept word that sets a filter is something.
    assert!(!u("tour").is_empty());
    // A dropped word changes the text.
    assert!(!u("shop gốm").is_empty());
    assert!(!u("gạo 50k").is_empty());
}

#[test]
fn numbers_parse_the_vietnamese_and_english_ways() {
    let n = |s: &str| parse_num(s).map(|n| (n.int, n.frac, n.frac_digits, n.grouped));
    assert_eq!(n("100.000"), Some((100_000, 0, 0, true)));
    assert_eq!(n("1.000.000"), Some((1_000_000, 0, 0, true)));
    assert_eq!(n("100,000"), Some((100_000, 0, 0, true)));
    assert_eq!(n("1,5"), Some((1, 5, 1, false)));
    assert_eq!(n("1.25"), Some((1, 25, 2, false)));
    assert_eq!(n("1.000,5"), None);
    assert!(vietnamese_syllable("nguyen") && vietnamese_syllable("the"));
    assert!(!vietnamese_syllable("honey") && !vietnamese_syllable("for"));
}

#[test]
fn a_rating_named_alone_is_preferred_exactly_and_a_floor_is_not() {
    let r = u("gốm sứ OCOP 4 sao");
    assert_eq!((r.min_stars, r.stars_exact), (Some(4), true));
    for q in ["gốm sứ từ 4 sao", "gốm sứ 4 sao trở lên", "gom su OCOP 4+"] {
        let r = u(q);
        assert_eq!((r.min_stars, r.stars_exact), (Some(4), false), "{q}");
    }
    let q = SearchQuery {
        text: "gốm sứ OCOP 4 sao".into(),
        ..SearchQuery::default()
    };
    let (out, _) = apply(&q);
    assert_eq!((out.min_stars, out.prefer_stars), (Some(4), Some(4)));
    let floor = SearchQuery {
        text: "gốm sứ từ 4 sao".into(),
        ..SearchQuery::default()
    };
    assert_eq!(apply(&floor).0.prefer_stars, None);
}
