// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Atelier copyright registry
/// @notice Anchors EIP-712 copyright registrations signed by artists' wallets. A registration
/// proves "address A claimed content hash H no later than block time T"; it does not prove
/// authorship. The first registration of a content hash wins; later ones revert.
/// @dev The typed data is a public format shared with the app (src/shared/registration):
/// domain {name: "Atelier Copyright Registry", version: "1", chainId, verifyingContract}.
/// The domain separator is computed per call from block.chainid, so a fork cannot replay
/// signatures made for another chain. Nonces are random and unordered (signatures made offline
/// are submitted late and in any order); a nonce is spent on use or by cancelNonce.
contract CopyrightRegistry {
    struct CopyrightRegistration {
        bytes32 contentHash;
        bytes8 perceptualHash;
        string title;
        address author;
        uint64 createdAt;
        string licenseId;
        uint256 nonce;
    }

    struct Record {
        address author;
        bytes8 perceptualHash;
        uint64 createdAt;
        uint64 registeredAt;
        uint256 nonce;
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 public constant REGISTRATION_TYPEHASH =
        keccak256(
            "CopyrightRegistration(bytes32 contentHash,bytes8 perceptualHash,string title,address author,uint64 createdAt,string licenseId,uint256 nonce)"
        );
    bytes32 private constant NAME_HASH = keccak256("Atelier Copyright Registry");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;
    uint256 private constant HALF_ORDER =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    mapping(bytes32 => Record) private records;
    /// @notice Whether `author` has spent `nonce` (by a registration or cancelNonce).
    mapping(address => mapping(uint256 => bool)) public nonceUsed;

    event Registered(
        bytes32 indexed contentHash,
        address indexed author,
        bytes8 perceptualHash,
        uint64 createdAt,
        string title,
        string licenseId,
        uint256 nonce,
        address submitter
    );
    event NonceCancelled(address indexed author, uint256 nonce);

    error AlreadyRegistered(bytes32 contentHash, address author);
    error InvalidSignature();
    error NonceAlreadyUsed(address author, uint256 nonce);
    error NotAuthor();

    /// @notice The EIP-712 domain separator for this chain and this contract.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice The EIP-712 digest a wallet signs for `reg`.
    function hashRegistration(CopyrightRegistration calldata reg) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTRATION_TYPEHASH,
                reg.contentHash,
                reg.perceptualHash,
                keccak256(bytes(reg.title)),
                reg.author,
                reg.createdAt,
                keccak256(bytes(reg.licenseId)),
                reg.nonce
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @notice Registers `reg`, sent by its author.
    function register(CopyrightRegistration calldata reg) external {
        if (msg.sender != reg.author) revert NotAuthor();
        _record(reg);
    }

    /// @notice Registers `reg` with the author's EIP-712 signature; anyone may submit it.
    /// EOA signatures are checked with ecrecover, contract wallets with ERC-1271.
    function registerWithSig(CopyrightRegistration calldata reg, bytes calldata signature) external {
        if (!_isValidSignature(reg.author, hashRegistration(reg), signature)) revert InvalidSignature();
        _record(reg);
    }

    /// @notice Voids a signature the sender made but does not want submitted.
    function cancelNonce(uint256 nonce) external {
        if (nonceUsed[msg.sender][nonce]) revert NonceAlreadyUsed(msg.sender, nonce);
        nonceUsed[msg.sender][nonce] = true;
        emit NonceCancelled(msg.sender, nonce);
    }

    /// @notice The registration of `contentHash` (author is the zero address when there is none).
    function registrationOf(bytes32 contentHash) external view returns (Record memory) {
        return records[contentHash];
    }

    function _record(CopyrightRegistration calldata reg) private {
        Record storage existing = records[reg.contentHash];
        if (existing.author != address(0)) revert AlreadyRegistered(reg.contentHash, existing.author);
        if (nonceUsed[reg.author][reg.nonce]) revert NonceAlreadyUsed(reg.author, reg.nonce);
        nonceUsed[reg.author][reg.nonce] = true;
        records[reg.contentHash] = Record({
            author: reg.author,
            perceptualHash: reg.perceptualHash,
            createdAt: reg.createdAt,
            registeredAt: uint64(block.timestamp),
            nonce: reg.nonce
        });
        emit Registered(
            reg.contentHash,
            reg.author,
            reg.perceptualHash,
            reg.createdAt,
            reg.title,
            reg.licenseId,
            reg.nonce,
            msg.sender
        );
    }

    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (signer == address(0)) return false;
        if (signature.length == 65) {
            bytes32 r = bytes32(signature[0:32]);
            bytes32 s = bytes32(signature[32:64]);
            uint8 v = uint8(signature[64]);
            if (v < 27) v += 27;
            // Reject malleable (high-s) signatures, as OpenZeppelin's ECDSA does.
            if (uint256(s) <= HALF_ORDER && (v == 27 || v == 28)) {
                if (ecrecover(digest, v, r, s) == signer) return true;
            }
        }
        if (signer.code.length == 0) return false;
        (bool ok, bytes memory result) = signer.staticcall(
            abi.encodeWithSelector(ERC1271_MAGIC, digest, signature)
        );
        return ok && result.length >= 32 && abi.decode(result, (bytes32)) == bytes32(ERC1271_MAGIC);
    }
}
