// Writes the seed corpus of the codec fuzzer: real handshake messages, record headers and alerts
// captured from OpenSSL 3.0.22, each prefixed with the selector byte of the decoder it feeds
// (fuzz/codec_targets.h), plus the extension blocks cut out of the hellos for every context.
//
//   bazel run //fuzz:make_codec_corpus -- $PWD/fuzz/corpus/codec
//
// The captures: `openssl s_server -accept 127.0.0.1:PORT -cert C.pem -key C.key.pem -naccept 1 -quiet
// [S]` and `openssl s_client -connect 127.0.0.1:PORT -msg [K]` with tests/certs; s_client's -msg
// output gives each handshake message (TLS 1.3 and Finished after decryption) in hex.
//   t12:    C=server_ec,  S=-alpn h2,http/1.1, K=-tls1_2 -servername example.com -alpn h2,http/1.1
//   t12cbc: C=server_ec,  S=K=-cipher ECDHE-ECDSA-AES128-SHA, K also -tls1_2 -servername example.com
//   t13:    C=server_ec,  S=-alpn h2, K=-tls1_3 -servername example.com -alpn h2
//   hrr:    C=server_ec,  S=-groups P-256, K=-tls1_3 -servername example.com
//   cr:     C=server_ec,  S=-verify 1 -CAfile ca.pem, K=-tls1_3 -cert client.pem -key client.key.pem
//   rsa:    C=server_rsa, S=-cipher AES128-GCM-SHA256, K=-tls1_2 -cipher AES128-GCM-SHA256
//   dhe:    C=server_rsa, S=-cipher DHE-RSA-AES128-GCM-SHA256, K=-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
//   auth:   C=server_ec,  S=-verify 1 -CAfile ca.pem, K=-tls1_2 -cert client.pem -key client.key.pem
#include <cstdio>
#include <cstring>
#include <string>

#include "core/bytes.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "fuzz/codec_targets.h"

namespace sanstls {
namespace fuzz {
namespace {

struct Seed {
  const char* capture;
  const char* kex;   // ecdhe, dhe, rsa, tls13, or "" for records
  const char* what;  // OpenSSL's name for the message or record
  const char* hex;
};

const Seed kSeeds[] = {
// Generated from the capture logs described in make_codec_corpus.cc: {capture, key exchange, kind, hex}.
    {"t12", "", "RecordHeader", "16030100dd"},
    {"t12", "ecdhe", "ClientHello",
     "010000d90303c0766fb002057de01ec37dbbdb7a3b5abb6666a66e65e48e9f16cc5ef98d6afb000038c02cc030009fcc"
     "a9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00"
     "ff0100007800000010000e00000b6578616d706c652e636f6d000b000403000102000a000c000a001d0017001e001900"
     "18002300000010000e000c02683208687474702f312e310016000000170000000d002a00280403050306030807080808"
     "09080a080b080408050806040105010601030303010302040205020602"
    },
    {"t12", "", "RecordHeader", "160303004a"},
    {"t12", "ecdhe", "ServerHello",
     "02000046030323fc080100768588efedf02121ce9cd8c4885bdcbe95eb3c444f574e4752440100c02c00001eff010001"
     "00000b0004030001020023000000100005000302683200170000"
    },
    {"t12", "", "RecordHeader", "16030301ed"},
    {"t12", "ecdhe", "Certificate",
     "0b0001e90001e60001e3308201df30820185a00302010202022001300a06082a8648ce3d04030230393110300e060355"
     "040a0c0773616e73746c733125302306035504030c1c73616e73746c73207465737420696e7465726d65646961746520"
     "4341301e170d3234303130313030303030305a170d3439313233313233353935395a30263110300e060355040a0c0773"
     "616e73746c733112301006035504030c096c6f63616c686f73743059301306072a8648ce3d020106082a8648ce3d0301"
     "070342000444bdb4c1e17ea01c9e59b30561a2a84985929e4a6bd400e54e2ce2734a6d95e34c9d7150cc2a292235399b"
     "88cee6f148bdcbc9234d92dcd374b3a3d13607136aa3818f30818c30090603551d1304023000300e0603551d0f0101ff"
     "04040302078030130603551d25040c300a06082b06010505070301301a0603551d110413301182096c6f63616c686f73"
     "7487047f000001301d0603551d0e04160414351b8d89fba0350cec4d898e73468bee5105a3ac301f0603551d23041830"
     "168014da4798988ddbe35a31fb9c0913e18b4db841ac59300a06082a8648ce3d0403020348003045022100f72febde6d"
     "597d07cd1cd5ef806520f5fd2030be90312e6dca8089b8f434f1d802205cc7b2df30406b39c3692984d6e24ff23e1b9e"
     "7acaf71a4218f2b25c699cd9f6"
    },
    {"t12", "", "RecordHeader", "1603030072"},
    {"t12", "ecdhe", "ServerKeyExchange",
     "0c00006e03001d20f5f0296d438658e8fb3d81b4ffdcc38bca1348b68a95575bf5c6fff94fc516290403004630440220"
     "0b59430110aea7eb1d90fbfa379e14b0ded60c4761bd8edc5b6e7920ad540d9d02202803d02125a498ffbcf41f683bff"
     "d74f886dbb3028494835a8bd2d37c334e6a6"
    },
    {"t12", "", "RecordHeader", "1603030004"},
    {"t12", "ecdhe", "ServerHelloDone",
     "0e000000"
    },
    {"t12", "", "RecordHeader", "1603030025"},
    {"t12", "ecdhe", "ClientKeyExchange",
     "100000212090a22393f5b5fb4d3a208d04a99ebff24be1654a6862dcad4053e582be3def62"
    },
    {"t12", "", "RecordHeader", "1403030001"},
    {"t12", "", "ChangeCipherSpec", "01"},
    {"t12", "", "RecordHeader", "1603030028"},
    {"t12", "ecdhe", "Finished",
     "1400000caca770c2a9d5bd5e6b3e966f"
    },
    {"t12", "", "RecordHeader", "16030300ba"},
    {"t12", "ecdhe", "NewSessionTicket",
     "040000b600001c2000b00d1bb807a46648ac000b1098d41203568bbdf1a990a5914e71ad087e3b0e3dfad36e3db47369"
     "471ccb3bfd38cfbac20cacaa452f0d19d515f62e0a4b39105773edbd9be38529556fa3cc2986e3f0001c2caeadc20b5c"
     "be4b79039077a8922de3512873d30158d02e45e54d2b9a786284ed032fba4957a82ca12492015951994338bba760bd36"
     "4f0858861393dcd1e160d05aea14a71e74491959fc85d6772e80fee8f88eb7c5f0b5f2306ed2a64d53ce"
    },
    {"t12", "ecdhe", "Finished",
     "1400000c0911970e8dd1f79802f05fd0"
    },
    {"t12", "", "RecordHeader", "150303001a"},
    {"t12", "", "Alert", "0100"},
    {"t12", "", "Alert", "0100"},
    {"t12cbc", "ecdhe", "ClientHello",
     "0100009303036c91d40ef9a7a57b8c6c0c30c3f39adb0c972d55da5711fa3881fa5e42750db3000004c00900ff010000"
     "6600000010000e00000b6578616d706c652e636f6d000b000403000102000a000c000a001d0017001e00190018002300"
     "000016000000170000000d002a0028040305030603080708080809080a080b0804080508060401050106010303030103"
     "02040205020602"
    },
    {"t12cbc", "ecdhe", "ServerHello",
     "02000041030346a4a077bc14a74176981cf6ada98f9cb22746971fa1d7a6444f574e4752440100c009000019ff010001"
     "00000b000403000102002300000016000000170000"
    },
    {"t13", "", "RecordHeader", "16030100f9"},
    {"t13", "tls13", "ClientHello",
     "010000f5030399c261a35ee95c5721098209e27a8261da05eb44154531f55a52b956f935675120397bd6619759a4081d"
     "43c1acb18e1557a738fffbde07c2961e1b2be9eedb7830000813021303130100ff010000a400000010000e00000b6578"
     "616d706c652e636f6d000b000403000102000a00160014001d0017001e00190018010001010102010301040023000000"
     "10000500030268320016000000170000000d001e001c040305030603080708080809080a080b08040805080604010501"
     "0601002b0003020304002d00020101003300260024001d0020bbfd39a835c6bbc544c2fca30097ee5c158b5371d510a6"
     "0a225b754266f3a035"
    },
    {"t13", "", "RecordHeader", "160303007a"},
    {"t13", "tls13", "ServerHello",
     "020000760303a08f6119563553d9724db12323b79e2f8877728d844db22f434eafd6b7fc3a7520397bd6619759a4081d"
     "43c1acb18e1557a738fffbde07c2961e1b2be9eedb7830130200002e002b0002030400330024001d00200e227c484dd6"
     "36ffc53839c4b4031b69c1b0206b1ca3d7f615c509bcaa19c03c"
    },
    {"t13", "", "RecordHeader", "1703030020"},
    {"t13", "tls13", "EncryptedExtensions",
     "0800000b0009001000050003026832"
    },
    {"t13", "", "RecordHeader", "1703030201"},
    {"t13", "", "RecordHeader", "1703030061"},
    {"t13", "", "RecordHeader", "1703030045"},
    {"t13", "", "RecordHeader", "1703030013"},
    {"hrr", "tls13", "ClientHello",
     "010000ec0303d592e8903ec8a56a7595b1179846ee0c501a3cd4959a639adac51e157a21defe204113c5715c36001d33"
     "1a61c28e2ff7b41368728a2824b4f4a43074e4de40dd3c000813021303130100ff0100009b00000010000e00000b6578"
     "616d706c652e636f6d000b000403000102000a00160014001d0017001e00190018010001010102010301040023000000"
     "16000000170000000d001e001c040305030603080708080809080a080b080408050806040105010601002b0003020304"
     "002d00020101003300260024001d00201dc0d66ac96a049b37d10b4a0f80ba8d8053faee775a2cf1dbc2e6cd5972d432"
    },
    {"hrr", "tls13", "ServerHello",
     "020000540303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c204113c5715c36001d33"
     "1a61c28e2ff7b41368728a2824b4f4a43074e4de40dd3c130200000c002b00020304003300020017"
    },
    {"hrr", "tls13", "ClientHello",
     "0100010d0303d592e8903ec8a56a7595b1179846ee0c501a3cd4959a639adac51e157a21defe204113c5715c36001d33"
     "1a61c28e2ff7b41368728a2824b4f4a43074e4de40dd3c000813021303130100ff010000bc00000010000e00000b6578"
     "616d706c652e636f6d000b000403000102000a00160014001d0017001e00190018010001010102010301040023000000"
     "16000000170000000d001e001c040305030603080708080809080a080b080408050806040105010601002b0003020304"
     "002d0002010100330047004500170041046ae7b3c48cc1ea5f8bb820ac4b9e20cef459e512590a149a239e8636d2aaa6"
     "de1c5e70f32878170900527c36d8877b5625e3cba80cf9b8a7b0ed2a1cd77d9710"
    },
    {"hrr", "tls13", "ServerHello",
     "020000970303df91af23633ad2855e6794add5b2ab16c009b207c15379a43b259ebd8055d0ef204113c5715c36001d33"
     "1a61c28e2ff7b41368728a2824b4f4a43074e4de40dd3c130200004f002b000203040033004500170041040dcc441fef"
     "fc9a01cc9d07c19c9668db84c448c36a3ef8e4e7c51c6fd48e165118b1a5c24c16c1fe38b3ddea47418c5b4c7e6a3129"
     "ec2addc7300cf3f03d6767"
    },
    {"cr", "tls13", "CertificateRequest",
     "0d00005f00005c000d00220020040305030603080708080809080a080b08040805080604010501060103030301002f00"
     "320030002e302c3110300e060355040a0c0773616e73746c733118301606035504030c0f73616e73746c732074657374"
     "204341"
    },
    {"rsa", "rsa", "ClientHello",
     "0100006703030ff88831a44be63b708c5c595b4c7dab8b91d954016905f3868fd06c1014158e000004009c00ff010000"
     "3a002300000016000000170000000d002a0028040305030603080708080809080a080b08040805080604010501060103"
     "0303010302040205020602"
    },
    {"rsa", "rsa", "ServerHello",
     "020000350303623e1f1a58cc339573590a3b7b4b306c202f7fcda2666fa8444f574e4752440100009c00000dff010001"
     "000023000000170000"
    },
    {"rsa", "rsa", "ClientKeyExchange",
     "1000010201004faaef0ca73f7a88a369c8971e8475b21786b01502613fb4ab864a2db6ccc517f9efba3af77705363cf5"
     "9a67a73b7e5ca60460a9a777dbdcc9be65ed0b954ae1fc2661c8472465d80b318e50ff74f913dfbff1e72c2d9399921d"
     "1e824a9183fc7e65a59eec6e6db06437d368888abf95fdd6549676515d93a731fce65fac31db4959aafd66c584d0c52d"
     "4dcb7470754358e8425969f6c08cd1d1d0b93579302800784ec045f1327221ae61ed8d7d22433fcb1140f8770d9609b2"
     "799c9926573b800f0d832be4654ca610fefc2f98bda1d0d3093e16151fc461c975b3d5ff9c4d5114b5b93fd76ed082e8"
     "a13304c0ee5f57e263b33fb410d5270544fa423274e7"
    },
    {"dhe", "dhe", "Certificate",
     "0b0003680003650003623082035e30820246a00302010202021003300d06092a864886f70d01010b0500302c3110300e"
     "060355040a0c0773616e73746c733118301606035504030c0f73616e73746c732074657374204341301e170d32343031"
     "30313030303030305a170d3439313233313233353935395a30263110300e060355040a0c0773616e73746c7331123010"
     "06035504030c096c6f63616c686f737430820122300d06092a864886f70d01010105000382010f003082010a02820101"
     "00be0da8e4ece0303806ee265bfcf470bc65d1f18d80b7b8baf0456cbf40c2f98713fb45111353522eb3fc458dbb5e19"
     "6f4d33e18f6292777c0a16675ee024b6b13052b253ec8e18e1f03b68be1c3c2ea0ebc1ee9a8f0d51d5ab42670298f3d1"
     "b45746a604af383a3b1fb2e1acd5c433979967effe7ca0a444775fd0911369cd91ef3da7e345f54ad15c65ebe8dc588b"
     "626a081b73359b7e11fda7fdb57cdc550d72100acd291a5b724386761d0371266028724f8a4fb72ff8df98b2367c5f44"
     "6fd22b00e40dfb0cc0eeeea82fc46e8227a17c13187738d2b6f0ce8bac005a4013b91d8adf0926f9074e44775644e27b"
     "935d5eddad3d31a93154bb21723b8883bf0203010001a3818f30818c30090603551d1304023000300e0603551d0f0101"
     "ff0404030205a030130603551d25040c300a06082b06010505070301301a0603551d110413301182096c6f63616c686f"
     "737487047f000001301d0603551d0e04160414d4982b91682f0831cde06f3491ed1b5d5a16d3d7301f0603551d230418"
     "301680149a68c38beb7f2641fe490cb123753760c6aee367300d06092a864886f70d01010b0500038201010031781a92"
     "1dd08803dfa84794f93dc3469deb4701003d7b45ec703207362f81b9d348c1562236b541fe13b9b819def7696547c45f"
     "2f8f6c1d98313f1b8ed573ff0d85d3baf2e73409727f250d0f7503779a7ce815f44e95994b20692f746616a532ba6959"
     "90d0c313ea35aeae9094a8733ed34c90adfd57fe8fe4d2366eb4b003e61c8538c03bedfa2d189eea2b4769605a1c14d8"
     "849ab53a4f2f12502fddbd19246e6eb0bc4aa9f93d4dc2660f4b36478e391807cfd1ad3d3326d942d24354771230cd84"
     "d353cc950228dd426d8c3806cc2d3747107168273205d759ad48c651f809ea073b9ab321a8d35c05725b3b610a71f222"
     "fce2138412aeb26a8962eebd"
    },
    {"dhe", "dhe", "ServerKeyExchange",
     "0c00030b0100ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a"
     "08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff"
     "5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a6916"
     "3fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c3290"
     "5e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2"
     "261898fa051015728e5a8aacaa68ffffffffffffffff000102010054e3c92e8daf4927fd910f79c08358ba65474fd408"
     "db75aa5e9735149fecc35b9e185765ebeec680b5ee1919c7231e2712ba9e8646a3c1a5b12fc3257a2375a1c2667b4a4d"
     "361f108a55f4518375df7b1bc3d446b00a43b55e4a5d25156ea2a848c828548ab605ba7ccce96c3c5cc9fbc474505c41"
     "7d573d390d909066fcd3771cb71545dea17d538f5c0823f51b1112d9cfcb79364c2716f106529c953820065d87503079"
     "f92c9b3983e02be1a100d610f2593ad4a1a394bed5225e038d552b56201f102625d92e771914c11557adafb5394fb6b8"
     "da78248d8610460ed5814b492e2b0a8cac582a21797906d333426443c35b608e560b8271500da39d4e55f008040100bb"
     "4de60890aa812eb1f0fbfd4991100e8bf357ff5043a52f0ce50f9d797dad9936576c61cdb980f3597834e68a2dd7e796"
     "7eb07cc7abe203f02fcf7f520f355957d79df73df274a9461aff8c26bc293c9aa4bbf62de546975605fc12e1ff1710ca"
     "76a50901418e0e76cef327fdab9878c60a5d75ab34c725512c231bdddf1109d3f15900a2d564c383515c2c227254e56b"
     "ec08a40dc51a90d579bc3e8e2e5fc1bf6b09c61f070a3ddd384e201123ce36f446377d8907150f5aa8aea40152a7a0ce"
     "8ac6d106e8659bed8bd66c05eda039c7162c11f9640f9b69ce0d6465f1e087a6ba2b377cefcc06d98c4a92785d461c19"
     "7f2ecc6a3ed471350594959dce09d5"
    },
    {"dhe", "dhe", "ClientKeyExchange",
     "1000010201007310377b9817b5af1b2181aae79435a2ebb9def97ff55e92647ed63a527df5b94dbbcb602e54e0ec1f89"
     "1e1733dc7abfd9c70cffd35bee10a35761a20f60b297879ced78db2576fbc99a19845aa4687fca2820c1fe288941274e"
     "ac1027fce96164336cb4c6d5a9e78898b5ae0dd61176f2ad751e615f7ff881f74ede9aff36b314f96642a0e4ff21795f"
     "e041fe87ed3c06a05ae48ac93fc1fb494525f5446c7324bfac09c488a0e3f030ffd39566f28e4089b03eaa8d592a4005"
     "71732307c3b7c16d968ddab9a2fd1c7265116ae236c64c1e394335d18a3d440a3421efd2261b866e59dae25943782d36"
     "e770861e0b78604ddbd52ee368107f27f70056a6ac34"
    },
    {"auth", "ecdhe", "Certificate",
     "0b0001e90001e60001e3308201df30820185a00302010202022001300a06082a8648ce3d04030230393110300e060355"
     "040a0c0773616e73746c733125302306035504030c1c73616e73746c73207465737420696e7465726d65646961746520"
     "4341301e170d3234303130313030303030305a170d3439313233313233353935395a30263110300e060355040a0c0773"
     "616e73746c733112301006035504030c096c6f63616c686f73743059301306072a8648ce3d020106082a8648ce3d0301"
     "070342000444bdb4c1e17ea01c9e59b30561a2a84985929e4a6bd400e54e2ce2734a6d95e34c9d7150cc2a292235399b"
     "88cee6f148bdcbc9234d92dcd374b3a3d13607136aa3818f30818c30090603551d1304023000300e0603551d0f0101ff"
     "04040302078030130603551d25040c300a06082b06010505070301301a0603551d110413301182096c6f63616c686f73"
     "7487047f000001301d0603551d0e04160414351b8d89fba0350cec4d898e73468bee5105a3ac301f0603551d23041830"
     "168014da4798988ddbe35a31fb9c0913e18b4db841ac59300a06082a8648ce3d0403020348003045022100f72febde6d"
     "597d07cd1cd5ef806520f5fd2030be90312e6dca8089b8f434f1d802205cc7b2df30406b39c3692984d6e24ff23e1b9e"
     "7acaf71a4218f2b25c699cd9f6"
    },
    {"auth", "ecdhe", "CertificateRequest",
     "0d000060030102400028040305030603080708080809080a080b08040805080604010501060103030301030204020502"
     "06020030002e302c3110300e060355040a0c0773616e73746c733118301606035504030c0f73616e73746c7320746573"
     "74204341"
    },
    {"auth", "ecdhe", "Certificate",
     "0b00035400035100034e3082034a30820232a00302010202021006300d06092a864886f70d01010b0500302c3110300e"
     "060355040a0c0773616e73746c733118301606035504030c0f73616e73746c732074657374204341301e170d32343031"
     "30313030303030305a170d3439313233313233353935395a30303110300e060355040a0c0773616e73746c73311c301a"
     "06035504030c1373616e73746c73207465737420636c69656e7430820122300d06092a864886f70d0101010500038201"
     "0f003082010a0282010100b98098186d6823e4571b3dcb3458abe6b473e76be650b81b4cbb67c3bcd3b69d2de2c6d875"
     "df554c92fae1f944fc4436efd21412b0474a3dd6d003b4b0578fab7088f80d15d6514ae35f73fabb0a15f78ca05d8a51"
     "2d69250e137abc12bc99a2fe1b6179f921ee8b9134554e2ee5b4a7ecdd8806dd5ea27466bfac436c60d2349faa6aea72"
     "e1767d90e9e53945f6816645142cba9521f4c8a5b17244255c4c55086b0d11eee1816516d1c41394becb7b92f4716db4"
     "8b60bd498922f78b5873de020276c6cfac7b7e5e92e9af749e2c38b8714a191a495a682772c172dc5f6e0a14cfc35406"
     "cf329515e3b7e4a4c20fb7e3a06b691abb45db43eff9e6397f4cb70203010001a372307030090603551d130402300030"
     "0e0603551d0f0101ff04040302078030130603551d25040c300a06082b06010505070302301d0603551d0e04160414df"
     "0d264e8f57a15ef8f0aa6dbcfd35524fda6571301f0603551d230418301680149a68c38beb7f2641fe490cb123753760"
     "c6aee367300d06092a864886f70d01010b05000382010100a006ed02b5902221c6d8accefcb37e448330d45e9f1b76da"
     "8ad2729779a666df9132b2b3f27a9e78ff766c6fca119b511e86beaafa653b725374e1fa060f39f82f94caad76b8b674"
     "c7161f4a45128d24c57d959438efa21861d1da665abe6c448fd5a8d3c99e59f1f105741fac3430a6d5f379588f090a20"
     "2231578fd59e0f4fdfe431418b82fdaafbb5d0fab8d4d0318716c67994df6e22faed98ef1dee9ba46ded6bf6786f84ab"
     "86c5d82cc20d29365bce16f821ed6778028f3771cd975fd0e5fc812194ba373de7e9b0d8fd93f9e5bc0a612356f65e98"
     "05c6bfa0493deeff900f3fd6692c931ff9299d7f7e4db6f32455aa81f28ae3abd9145877b918f73c"
    },
    {"auth", "ecdhe", "CertificateVerify",
     "0f000104080401005aeba52d95b5f46dcd368bbda4854f93dce54469fbe65d5f454486ea33a9c5f35798959ac23239a1"
     "6a6910e33158ab8775b87fd59df537e89d833201b59741f482b48965a80ac646e262902c3fd82a1911f349f4aa056add"
     "abc4ffc2f98e302cb63bda0d825c29b17eee2839c5a40a8f028b9e781a5b6ad82db29cd7460694342926fbc20204bbdd"
     "b9b6bd1c5d5a4b0968e5bde39ccd106ed0798158f578ea5dc8a6d364d2797be1563d6b5da225e1cca9912b0444277e3c"
     "c8affbc4b4d127298a0deda7c109132e09ce81521b05d833981e2d709fd2d0fdd1a1cfbcc439a0fbae85df3e0faf2ef4"
     "97508d8f86a600ed3ea4e6acb79b6de58bfbd40a32a7a7e0"
    },
};

std::string g_dir;
int g_written = 0;
int g_failed = 0;

void write_seed(CodecTarget t, const std::string& name, ByteView body) {
  std::string path = g_dir + "/" + std::to_string(static_cast<int>(t)) + "_" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    g_failed++;
    return;
  }
  uint8_t sel = static_cast<uint8_t>(t);
  std::fwrite(&sel, 1, 1, f);
  if (!body.empty()) std::fwrite(body.data(), 1, body.size(), f);
  std::fclose(f);
  g_written++;
}

void check(const Status& s, const std::string& name) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s does not decode: %s\n", name.c_str(), s.error().what);
    g_failed++;
  }
}

// The extension block (without its length) as encode_extensions writes it.
Bytes block_of(const Extensions& e, ExtContext ctx) {
  Bytes out;
  Writer w(&out);
  encode_extensions(e, ctx, w);
  return Bytes(out.begin() + 2, out.end());
}

void handshake_seeds(const Seed& s, const std::string& name, ByteView msg) {
  write_seed(CodecTarget::handshake_message, name, msg);
  HandshakeHeader h;
  ByteView body;
  check(split_handshake_message(msg, &h, &body), name);
  const std::string what = s.what;
  const std::string kex = s.kex;
  if (what == "ClientHello") {
    write_seed(CodecTarget::client_hello, name, body);
    ClientHello m;
    check(decode_client_hello(body, &m), name);
    write_seed(CodecTarget::ext_client_hello, name, block_of(m.extensions, ExtContext::client_hello));
  } else if (what == "ServerHello") {
    write_seed(CodecTarget::server_hello, name, body);
    ServerHello m;
    check(decode_server_hello(body, &m), name);
    if (m.is_hello_retry_request()) {
      write_seed(CodecTarget::ext_hello_retry_request, name,
                 block_of(m.extensions, ExtContext::hello_retry_request));
    } else {
      write_seed(CodecTarget::ext_server_hello, name, block_of(m.extensions, ExtContext::server_hello));
    }
  } else if (what == "EncryptedExtensions" || (what == "CertificateRequest" && kex == "tls13")) {
    // TLS 1.3: [certificate_request_context<0..255>] extensions<0..2^16-1>.
    Reader r(body);
    ByteView context, block;
    if (what == "CertificateRequest" && !r.prefixed8(&context)) g_failed++;
    if (!r.prefixed16(&block) || !r.empty()) g_failed++;
    ExtContext ctx =
        what == "EncryptedExtensions" ? ExtContext::encrypted_extensions : ExtContext::certificate_request;
    Extensions e;
    check(decode_extensions(block, ctx, &e), name);
    write_seed(what == "EncryptedExtensions" ? CodecTarget::ext_encrypted_extensions
                                             : CodecTarget::ext_certificate_request,
               name, block);
  } else if (what == "Certificate") {
    CertificateMsg12 m;
    check(decode_certificate12(body, &m), name);
    write_seed(CodecTarget::certificate12, name, body);
  } else if (what == "ServerKeyExchange" && kex == "ecdhe") {
    ServerKeyExchangeEcdhe m;
    check(decode_server_key_exchange_ecdhe(body, &m), name);
    write_seed(CodecTarget::server_key_exchange_ecdhe, name, body);
  } else if (what == "ServerKeyExchange" && kex == "dhe") {
    ServerKeyExchangeDhe m;
    check(decode_server_key_exchange_dhe(body, &m), name);
    write_seed(CodecTarget::server_key_exchange_dhe, name, body);
  } else if (what == "CertificateRequest") {
    CertificateRequest12 m;
    check(decode_certificate_request12(body, &m), name);
    write_seed(CodecTarget::certificate_request12, name, body);
  } else if (what == "ServerHelloDone") {
    check(decode_server_hello_done(body), name);
    write_seed(CodecTarget::server_hello_done, name, body);
  } else if (what == "CertificateVerify") {
    CertificateVerify m;
    check(decode_certificate_verify(body, &m), name);
    write_seed(CodecTarget::certificate_verify, name, body);
  } else if (what == "ClientKeyExchange") {
    ClientKeyExchange m;
    if (kex == "rsa") {
      check(decode_client_key_exchange_rsa(body, &m), name);
      write_seed(CodecTarget::client_key_exchange_rsa, name, body);
    } else if (kex == "dhe") {
      check(decode_client_key_exchange_dhe(body, &m), name);
      write_seed(CodecTarget::client_key_exchange_dhe, name, body);
    } else {
      check(decode_client_key_exchange_ecdhe(body, &m), name);
      write_seed(CodecTarget::client_key_exchange_ecdhe, name, body);
    }
  } else if (what == "NewSessionTicket") {
    NewSessionTicket12 m;
    check(decode_new_session_ticket12(body, &m), name);
    write_seed(CodecTarget::new_session_ticket12, name, body);
  } else if (what == "Finished") {
    Finished m;
    check(decode_finished(body, kFinishedLength12, &m), name);
    write_seed(CodecTarget::finished12, name, body);
  } else {
    std::fprintf(stderr, "%s: no decoder\n", name.c_str());
    g_failed++;
  }
}

int run() {
  int n = 0;
  for (const Seed& s : kSeeds) {
    Bytes b;
    if (!from_hex(s.hex, &b)) {
      std::fprintf(stderr, "bad hex in seed %d\n", n);
      return 1;
    }
    std::string name = std::string(s.capture) + "_" + s.what + "_" + std::to_string(n++);
    const std::string what = s.what;
    if (what == "RecordHeader") {
      write_seed(CodecTarget::record_header, name, b);
    } else if (what == "ChangeCipherSpec") {
      write_seed(CodecTarget::change_cipher_spec, name, b);
    } else if (what == "Alert") {
      write_seed(CodecTarget::alert, name, b);
    } else {
      handshake_seeds(s, name, b);
    }
  }
  // Contexts and messages with no captured example: their empty form.
  write_seed(CodecTarget::ext_new_session_ticket, "empty", ByteView());
  write_seed(CodecTarget::ext_certificate, "empty", ByteView());
  write_seed(CodecTarget::hello_request, "empty", ByteView());
  std::printf("wrote %d seeds to %s\n", g_written, g_dir.c_str());
  return g_failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_codec_corpus OUTPUT_DIR\n");
    return 2;
  }
  sanstls::fuzz::g_dir = argv[1];
  return sanstls::fuzz::run();
}
