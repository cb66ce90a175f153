//! serde round trips through bincode 2 and postcard keep every answer, the
//! seed and the coin's state (so later compactions stay reproducible), and
//! invalid serde input is refused.

use distilled_core::DataSketchesFormat;
use distilled_kll::{KllSketch, SearchCriteria};

fn bincode_rt<T: serde::Serialize + serde::de::DeserializeOwned>(x: &T) -> T {
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(x, cfg).unwrap();
    bincode::serde::decode_from_slice(&bytes, cfg).unwrap().0
}

fn postcard_rt<T: serde::Serialize + serde::de::DeserializeOwned>(x: &T) -> T {
    postcard::from_bytes(&postcard::to_allocvec(x).unwrap()).unwrap()
}

#[test]
fn round_trips_keep_state_and_continue_identically() {
    for n in [0usize, 1, 150, 50_000] {
        let mut sk = KllSketch::<f64>::builder().seed(3).build().unwrap();
        sk.update_slice(&(0..n).map(|i| (i as f64).sin()).collect::<Vec<_>>());
        sk.update(f64::NAN);
        for back in [bincode_rt(&sk), postcard_rt(&sk)] {
            assert_eq!(back.to_datasketches_bytes(), sk.to_datasketches_bytes());
            assert_eq!(back.rejected_non_finite(), 1);
            assert_eq!(back.seed(), Some(3));
            let (mut a, mut b) = (sk.clone(), back);
            let more: Vec<f64> = (0..10_000).map(|i| f64::from(i).cos()).collect();
            a.update_slice(&more);
            b.update_slice(&more);
            assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
        }
    }
    let mut s = KllSketch::<String>::builder()
        .k(16)
        .seed(1)
        .build()
        .unwrap();
    for i in 0..300 {
        s.update(format!("item{i}"));
    }
    for back in [bincode_rt(&s), postcard_rt(&s)] {
        assert_eq!(back.n(), 300);
        assert_eq!(
            back.quantile(0.5, SearchCriteria::Inclusive),
            s.quantile(0.5, SearchCriteria::Inclusive)
        );
    }
    let f = KllSketch::<f32>::new();
    assert!(postcard_rt(&f).is_empty());
}

#[test]
fn invalid_serde_input_is_refused() {
    let mut sk = KllSketch::<f64>::builder().seed(3).build().unwrap();
    sk.update_slice(&(0..1000).map(f64::from).collect::<Vec<_>>());
    let mut v = serde_json::to_value(&sk).unwrap();
    v["n"] = serde_json::json!(5);
    assert!(serde_json::from_value::<KllSketch<f64>>(v).is_err());
    let mut v = serde_json::to_value(&sk).unwrap();
    v["levels"][0] = serde_json::json!(0);
    assert!(serde_json::from_value::<KllSketch<f64>>(v).is_err());
    let mut v = serde_json::to_value(&sk).unwrap();
    v["k"] = serde_json::json!(3);
    assert!(serde_json::from_value::<KllSketch<f64>>(v).is_err());
    let ok = serde_json::to_value(&sk).unwrap();
    assert!(serde_json::from_value::<KllSketch<f64>>(ok).is_ok());
}
